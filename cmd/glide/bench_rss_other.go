//go:build !linux

package main

// maxRSS is unknown off Linux (js/wasm included): the bench table shows "-".
func maxRSS() uint64 { return 0 }
