//go:build cgo && liblzma

package decompress

/*
#cgo LDFLAGS: -llzma
#include <stdlib.h>
#include <lzma.h>

// The decoder's state and both buffers live in one C allocation, so that
// the lzma_stream, which points into the buffers between calls, never
// holds a Go pointer (cgo's pointer rules).
enum { DFXZ_IN = 128 << 10, DFXZ_OUT = 128 << 10 };

typedef struct {
	lzma_stream strm;
	uint8_t in[DFXZ_IN];
	uint8_t out[DFXZ_OUT];
} dfxz;

typedef struct {
	lzma_ret ret;
	size_t produced;  // bytes written to out[0:]
	size_t avail_in;  // bytes of in[] not consumed yet
} dfxz_result;

// dfxz_new starts a .xz decoder as xz(1) does: concatenated streams and
// stream padding accepted, every integrity check that liblzma knows
// verified, an unknown check type reported (as an error, by the caller).
static dfxz *dfxz_new(uint64_t memlimit, lzma_ret *ret) {
	dfxz *z = malloc(sizeof *z);
	if (z == NULL) {
		*ret = LZMA_MEM_ERROR;
		return NULL;
	}
	lzma_stream init = LZMA_STREAM_INIT;
	z->strm = init;
	*ret = lzma_stream_decoder(&z->strm, memlimit, LZMA_CONCATENATED | LZMA_TELL_UNSUPPORTED_CHECK);
	if (*ret != LZMA_OK) {
		lzma_end(&z->strm);
		free(z);
		return NULL;
	}
	return z;
}

// dfxz_code runs the decoder once into the whole of out. fill > 0 says
// that in[0:fill] holds new input (the previous input is used up).
static dfxz_result dfxz_code(dfxz *z, size_t fill, int finish) {
	if (fill > 0) {
		z->strm.next_in = z->in;
		z->strm.avail_in = fill;
	}
	z->strm.next_out = z->out;
	z->strm.avail_out = DFXZ_OUT;
	dfxz_result r;
	r.ret = lzma_code(&z->strm, finish ? LZMA_FINISH : LZMA_RUN);
	r.produced = DFXZ_OUT - z->strm.avail_out;
	r.avail_in = z->strm.avail_in;
	return r;
}

static void dfxz_free(dfxz *z) {
	lzma_end(&z->strm);
	free(z);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"
)

// XZDecoder names the xz decoder of this build, e.g. "liblzma 5.4.1".
func XZDecoder() string { return "liblzma " + C.GoString(C.lzma_version_string()) }

// xzMemLimit bounds the memory liblzma may use for one stream. A .xz
// made by xz -9 (64 MiB dictionary) needs about 65 MiB to decode; 256 MiB
// leaves room for any preset, extreme or not, while stopping a header that
// asks for a 1.5 GiB dictionary.
const xzMemLimit = 256 << 20

// lzmaReader decodes .xz with liblzma through fixed C buffers.
type lzmaReader struct {
	r       io.Reader
	z       *C.dfxz // nil once released
	in, out []byte  // views of z.in and z.out (C memory)
	pos     int     // out[pos:end] is decoded and not read yet
	end     int
	fill    int   // new input bytes in in[:fill], for the next dfxz_code
	availIn int   // input bytes liblzma has not consumed yet
	inEOF   bool  // r returned io.EOF: finish the stream
	inErr   error // r's error that came with the last bytes read
	err     error // returned once out is drained; io.EOF at the end
	cleanup runtime.Cleanup
}

func newXZReader(r io.Reader) (io.Reader, func(), error) {
	var ret C.lzma_ret
	z := C.dfxz_new(C.uint64_t(xzMemLimit), &ret)
	if z == nil {
		return nil, nil, lzmaError(ret, nil)
	}
	x := &lzmaReader{
		r:   r,
		z:   z,
		in:  unsafe.Slice((*byte)(unsafe.Pointer(&z.in[0])), C.DFXZ_IN),
		out: unsafe.Slice((*byte)(unsafe.Pointer(&z.out[0])), C.DFXZ_OUT),
	}
	// A safety net only: decompressor's callers always call the close
	// function, which releases the C memory at once.
	x.cleanup = runtime.AddCleanup(x, func(z *C.dfxz) { C.dfxz_free(z) }, z)
	return x, x.release, nil
}

// release frees liblzma's state and the buffers (lzma_end). It is called
// by the close function, at the end of the stream and on every error.
func (x *lzmaReader) release() {
	if x.z == nil {
		return
	}
	x.cleanup.Stop()
	C.dfxz_free(x.z)
	x.z, x.in, x.out = nil, nil, nil
	x.pos, x.end = 0, 0
	if x.err == nil {
		x.err = errXZClosed
	}
}

var errXZClosed = errors.New("xz: read after close")

func (x *lzmaReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for x.pos == x.end {
		if x.err != nil {
			x.release()
			return 0, x.err
		}
		x.decode()
	}
	n := copy(p, x.out[x.pos:x.end])
	x.pos += n
	return n, nil
}

// decode reads input when liblzma has used up the last, then runs it
// once. It sets out[pos:end], or err.
func (x *lzmaReader) decode() {
	if x.availIn == 0 && !x.inEOF {
		n, err := x.readInput()
		switch {
		case err == io.EOF:
			x.inEOF = true
		case err != nil:
			// The input's own error (an I/O error, or a size limit) ends
			// the stream; what was read with it is not decoded.
			x.err = err
			return
		}
		x.fill = n
	}
	finish := C.int(0)
	if x.inEOF {
		finish = 1
	}
	r := C.dfxz_code(x.z, C.size_t(x.fill), finish)
	x.fill = 0
	x.availIn = int(r.avail_in)
	x.pos, x.end = 0, int(r.produced)
	switch r.ret {
	case C.LZMA_OK:
	case C.LZMA_STREAM_END:
		x.err = io.EOF
	default:
		// Output of a failed call is not passed on: after an error no
		// more data comes.
		x.pos, x.end = 0, 0
		x.err = lzmaError(r.ret, x.z)
		x.release()
	}
}

// readInput reads at least one byte into in, or returns an error (io.EOF
// with no bytes at the end of the input).
func (x *lzmaReader) readInput() (int, error) {
	if err := x.inErr; err != nil {
		return 0, err
	}
	for range 100 {
		n, err := x.r.Read(x.in)
		if n > 0 {
			x.inErr = err // returned once these bytes are decoded
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, io.ErrNoProgress
}

// xzError is a liblzma failure. It wraps ErrFormat (the data is not valid
// .xz), ErrLimit (the memory limit) or io.ErrUnexpectedEOF (truncated).
type xzError struct {
	msg  string
	kind error
}

func (e *xzError) Error() string { return "xz: " + e.msg }
func (e *xzError) Unwrap() error { return e.kind }

// lzmaError says what a liblzma return code means for a decoder; z, when
// not nil, is the stream that returned it.
func lzmaError(ret C.lzma_ret, z *C.dfxz) error {
	switch ret {
	case C.LZMA_FORMAT_ERROR:
		return &xzError{"not in .xz format (bad stream header magic bytes)", ErrFormat}
	case C.LZMA_OPTIONS_ERROR:
		return &xzError{"unsupported options in a stream or block header (unknown filter or flags)", ErrFormat}
	case C.LZMA_DATA_ERROR:
		return &xzError{"compressed data is corrupt (bad encoding, header CRC, index or integrity check)", ErrFormat}
	case C.LZMA_BUF_ERROR:
		return &xzError{"truncated input: the stream ends early", io.ErrUnexpectedEOF}
	case C.LZMA_UNSUPPORTED_CHECK:
		check := -1
		if z != nil {
			check = int(C.lzma_get_check(&z.strm))
		}
		return &xzError{fmt.Sprintf("unsupported integrity check type %d", check), ErrFormat}
	case C.LZMA_MEMLIMIT_ERROR:
		need := "more"
		if z != nil {
			need = fmt.Sprintf("%d MiB", (uint64(C.lzma_memusage(&z.strm))+(1<<20)-1)>>20)
		}
		return &xzError{fmt.Sprintf("decoding needs %s of memory, over the limit of %d MiB", need, xzMemLimit>>20), ErrLimit}
	case C.LZMA_MEM_ERROR:
		return &xzError{"out of memory", ErrLimit}
	case C.LZMA_PROG_ERROR:
		return &xzError{"liblzma reported a programming error (LZMA_PROG_ERROR)", ErrFormat}
	}
	return &xzError{fmt.Sprintf("liblzma error %d", int(ret)), ErrFormat}
}
