module github.com/webglide/webglide

go 1.26
