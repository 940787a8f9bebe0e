module github.com/webglide/webglide

go 1.26.0

require (
	github.com/dlclark/regexp2/v2 v2.5.1 // indirect
	github.com/tiktoken-go/tokenizer v0.10.0 // indirect
	golang.org/x/image v0.48.0 // indirect
)
