package decompress

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
	"github.com/klauspost/compress/zstd"
)

func TestNewReader(t *testing.T) {
	data := []byte(strings.Repeat("Package: a\nVersion: 1\n\n", 5000))
	for _, method := range []string{"none", "gz", "xz", "zst", "bz2"} {
		t.Run(method, func(t *testing.T) {
			in, err := debtest.Compress(data, method)
			if err != nil {
				t.Fatal(err)
			}
			r, closeR, err := NewReader(debtest.Ext(method), bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			defer closeR()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes, %v; want %d bytes", len(got), err, len(data))
			}
			if method == "none" {
				return
			}
			// A cut stream is an error, never a short output.
			r2, close2, err := NewReader(debtest.Ext(method), bytes.NewReader(in[:len(in)/2]))
			if err != nil {
				return
			}
			defer close2()
			if _, err := io.ReadAll(r2); err == nil {
				t.Error("half the stream decoded without an error")
			}
		})
	}
}

func TestNewReaderUnknown(t *testing.T) {
	for _, ext := range []string{".lz4", ".gzip", "xz", ".Z"} {
		if _, _, err := NewReader(ext, strings.NewReader("")); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "unsupported compression") {
			t.Errorf("NewReader(%q): %v, want ErrFormat", ext, err)
		}
	}
}

// TestZstdWindow: a frame that asks for more than 128 MiB of window is
// refused, not decoded.
func TestZstdWindow(t *testing.T) {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, zstd.WithWindowSize(1<<28), zstd.WithEncoderConcurrency(1), zstd.WithSingleSegment(false))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20)) // the compressor's Close reports a failure
	w.Close()
	r, closeR, err := NewReader(".zst", &buf)
	if err == nil {
		defer closeR()
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Error("a 256 MiB window was accepted")
	} else if !strings.Contains(err.Error(), "window") {
		t.Errorf("error %v, want one about the window size", err)
	}
}
