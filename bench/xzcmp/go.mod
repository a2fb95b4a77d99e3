module github.com/distrofile/distrofile/bench/xzcmp

go 1.26.8

require (
	github.com/ulikunitz/xz v0.5.17
	github.com/xi2/xz v0.0.0-20171230120015-48954b6210f8
)
