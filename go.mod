module github.com/distrofile/distrofile

go 1.26.8

require (
	github.com/ProtonMail/go-crypto v1.5.2 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/moby/buildkit v0.33.1 // indirect
	github.com/ulikunitz/xz v0.5.17 // indirect
	pault.ag/go/debian v0.20.0 // indirect
)
