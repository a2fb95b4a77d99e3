package decompress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ulikunitz/xz"
)

// The decoder of this build (NewXZReader: liblzma with -tags liblzma and
// cgo) is checked against the pure-Go github.com/ulikunitz/xz, which is
// always linked in the tests, and against the original bytes. Without the
// tag both are ulikunitz/xz and the tests check the xz(1)-made inputs and
// the error cases.

func usesLiblzma() bool { return strings.HasPrefix(XZDecoder(), "liblzma") }

// xzPayload returns n bytes that compress somewhat: words with random
// hex numbers and, every 64 KiB, a run of random bytes.
func xzPayload(n int, seed int64) []byte {
	rng := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	for b.Len() < n {
		if b.Len()%(64<<10) < 64 {
			r := make([]byte, 1+rng.Intn(2000))
			rng.Read(r)
			b.Write(r)
			continue
		}
		fmt.Fprintf(&b, "word%d %x\n", rng.Intn(300), rng.Uint32())
	}
	return b.Bytes()[:n]
}

// goXZ compresses with ulikunitz/xz.
func goXZ(t testing.TB, data []byte, check byte, blockSize int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.WriterConfig{CheckSum: check, BlockSize: blockSize}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cliXZ compresses with xz(1), or skips when it is not installed.
func cliXZ(t testing.TB, data []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("xz(1) not installed")
	}
	cmd := exec.Command("xz", append([]string{"-c", "-T1"}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xz %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// openXZ opens r with the pure-Go decoder or with the one the helper is
// built with (liblzma under -tags liblzma).
func openXZ(pure bool, r io.Reader) (io.Reader, func(), error) {
	if pure {
		z, err := newGoXZReader(r)
		return z, func() {}, err
	}
	z, err := NewXZReader(r)
	if err != nil {
		return nil, nil, err
	}
	return z, func() { z.Close() }, nil
}

// decodeWith decodes all of in with one of the decoders, reading it
// through wrap and the decoder's output in chunks of readSize.
func decodeWith(pure bool, in []byte, wrap func(io.Reader) io.Reader, readSize int) ([]byte, error) {
	var r io.Reader = bytes.NewReader(in)
	if wrap != nil {
		r = wrap(r)
	}
	dec, closeDec, err := openXZ(pure, r)
	if err != nil {
		return nil, err
	}
	defer closeDec()
	var out bytes.Buffer
	buf := make([]byte, readSize)
	for {
		n, err := dec.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return out.Bytes(), err
		}
	}
}

type xzCase struct {
	name string
	xz   []byte
	want []byte
}

func validXZCases(t *testing.T) []xzCase {
	var cs []xzCase
	sizes := []int{0, 1, 1000, 200 << 10, 1200 << 10}
	checks := map[string]byte{"none": xz.None, "crc32": xz.CRC32, "crc64": xz.CRC64, "sha256": xz.SHA256}
	for _, n := range sizes {
		data := xzPayload(n, int64(n))
		for name, c := range checks {
			if n > 200<<10 && c != xz.CRC64 {
				continue // the big size is for the buffers, not the checks
			}
			cs = append(cs, xzCase{fmt.Sprintf("go/%d/%s", n, name), goXZ(t, data, c, 0), data})
		}
		// Blocks of 64 KiB: several blocks from 200 KiB on.
		cs = append(cs, xzCase{fmt.Sprintf("go/%d/blocks", n), goXZ(t, data, xz.CRC64, 64<<10), data})
	}
	a, b := xzPayload(100<<10, 1), xzPayload(300<<10, 2)
	two := append(goXZ(t, a, xz.CRC32, 0), goXZ(t, b, xz.SHA256, 32<<10)...)
	cs = append(cs, xzCase{"go/concatenated", two, append(append([]byte{}, a...), b...)})
	padded := append(append(append(goXZ(t, a, xz.CRC64, 0), 0, 0, 0, 0), goXZ(t, b, xz.None, 0)...), make([]byte, 8)...)
	cs = append(cs, xzCase{"go/concatenated-padding", padded, append(append([]byte{}, a...), b...)})
	empty := goXZ(t, nil, xz.CRC64, 0)
	cs = append(cs, xzCase{"go/empty-streams", append(append(append([]byte{}, empty...), empty...), goXZ(t, a, xz.CRC64, 0)...), a})
	return cs
}

func cliXZCases(t *testing.T) []xzCase {
	var cs []xzCase
	for _, n := range []int{0, 1, 1000, 200 << 10, 1200 << 10} {
		data := xzPayload(n, int64(n)+7)
		for _, c := range []string{"none", "crc32", "crc64", "sha256"} {
			if n > 200<<10 && c != "crc64" {
				continue
			}
			cs = append(cs, xzCase{fmt.Sprintf("cli/%d/%s", n, c), cliXZ(t, data, "-6", "--check="+c), data})
		}
		cs = append(cs, xzCase{fmt.Sprintf("cli/%d/blocks", n), cliXZ(t, data, "-6", "--block-size=100KiB"), data})
		if n <= 200<<10 {
			cs = append(cs, xzCase{fmt.Sprintf("cli/%d/extreme", n), cliXZ(t, data, "-9e"), data})
		}
	}
	a, b := xzPayload(100<<10, 11), xzPayload(300<<10, 12)
	two := append(cliXZ(t, a, "--check=crc32"), cliXZ(t, b, "--check=sha256", "--block-size=32KiB")...)
	cs = append(cs, xzCase{"cli/concatenated", two, append(append([]byte{}, a...), b...)})
	return cs
}

// TestXZDecodersAgree: both decoders give the original bytes, whatever the
// sizes of the reads on either side.
func TestXZDecodersAgree(t *testing.T) {
	t.Logf("decoder: %s", XZDecoder())
	run := func(t *testing.T, cs []xzCase) {
		for _, c := range cs {
			t.Run(c.name, func(t *testing.T) {
				for _, pure := range []bool{false, true} {
					got, err := decodeWith(pure, c.xz, nil, 32<<10)
					if err != nil || !bytes.Equal(got, c.want) {
						t.Fatalf("pure=%v: %d bytes (want %d), %v", pure, len(got), len(c.want), err)
					}
				}
				if len(c.want) > 300<<10 {
					return // the odd read sizes below are slow on megabytes
				}
				for _, w := range []struct {
					name string
					wrap func(io.Reader) io.Reader
					size int
				}{
					{"one-byte-in", iotest.OneByteReader, 7},
					{"half-in", iotest.HalfReader, 1},
					{"data-err-in", iotest.DataErrReader, 1 << 20},
				} {
					got, err := decodeWith(false, c.xz, w.wrap, w.size)
					if err != nil || !bytes.Equal(got, c.want) {
						t.Fatalf("%s: %d bytes (want %d), %v", w.name, len(got), len(c.want), err)
					}
				}
			})
		}
	}
	t.Run("go", func(t *testing.T) { run(t, validXZCases(t)) })
	t.Run("cli", func(t *testing.T) { run(t, cliXZCases(t)) })
}

// xzSections returns, for a single-stream, single-block .xz, the offsets
// of the block's check field and of the index, and the check's size.
func xzSections(t *testing.T, b []byte) (checkOff, indexOff, checkSize int) {
	t.Helper()
	footer := b[len(b)-12:]
	if string(footer[10:]) != "YZ" {
		t.Fatal("no stream footer")
	}
	backward := (int(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
	indexOff = len(b) - 12 - backward
	checkSize = map[byte]int{0: 0, 1: 4, 4: 8, 10: 32}[b[7]&0x0f]
	return indexOff - checkSize, indexOff, checkSize
}

// setStreamCheck rewrites the check type in the stream header and footer
// of a single-stream .xz, with their CRC32s.
func setStreamCheck(b []byte, check byte) []byte {
	b = append([]byte{}, b...)
	b[7] = check
	binary.LittleEndian.PutUint32(b[8:12], crc32.ChecksumIEEE(b[6:8]))
	f := b[len(b)-12:]
	f[9] = check
	binary.LittleEndian.PutUint32(f[0:4], crc32.ChecksumIEEE(f[4:10]))
	return b
}

// setDictSize rewrites the LZMA2 dictionary-size byte in the first block
// header (right after the stream header), with the block header's CRC32.
func setDictSize(t *testing.T, b []byte, prop byte) []byte {
	t.Helper()
	b = append([]byte{}, b...)
	h := b[12 : 12+(int(b[12])+1)*4]
	// size, flags, filter id 0x21, properties size 1, the property.
	if h[1]&0x03 != 0 || h[1]&0xc0 != 0 || h[2] != 0x21 || h[3] != 1 {
		t.Fatalf("unexpected block header % x", h)
	}
	h[4] = prop
	binary.LittleEndian.PutUint32(h[len(h)-4:], crc32.ChecksumIEEE(h[:len(h)-4]))
	return b
}

// TestXZErrors: corrupt, truncated and wrongly checked inputs are errors
// in both decoders; liblzma's say what went wrong.
func TestXZErrors(t *testing.T) {
	data := xzPayload(100<<10, 3)
	type bad struct {
		name string
		in   []byte
		kind error // for liblzma; nil: any error
	}
	var cases []bad
	flip := func(b []byte, i int) []byte {
		c := append([]byte{}, b...)
		c[i] ^= 0x55
		return c
	}
	for _, check := range []byte{xz.CRC32, xz.CRC64, xz.SHA256} {
		good := goXZ(t, data, check, 0)
		checkOff, indexOff, size := xzSections(t, good)
		name := map[byte]string{xz.CRC32: "crc32", xz.CRC64: "crc64", xz.SHA256: "sha256"}[check]
		cases = append(cases,
			bad{name + "/wrong-check-first-byte", flip(good, checkOff), ErrFormat},
			bad{name + "/wrong-check-last-byte", flip(good, checkOff+size-1), ErrFormat},
			bad{name + "/corrupt-data", flip(good, indexOff/2), ErrFormat},
			bad{name + "/corrupt-index", flip(good, indexOff+2), ErrFormat},
			bad{name + "/truncated-data", good[:indexOff/2], io.ErrUnexpectedEOF},
			bad{name + "/truncated-footer", good[:len(good)-1], io.ErrUnexpectedEOF},
		)
	}
	crc32XZ := goXZ(t, data, xz.CRC32, 0)
	cases = append(cases,
		bad{"empty", nil, io.ErrUnexpectedEOF},
		bad{"bad-magic", flip(crc32XZ, 0), ErrFormat},
		bad{"bad-stream-flags-crc", flip(crc32XZ, 9), ErrFormat},
		bad{"unsupported-check", setStreamCheck(crc32XZ, 2), ErrFormat},
		bad{"reserved-check", setStreamCheck(crc32XZ, 0x0f), ErrFormat},
		bad{"trailing-garbage", append(append([]byte{}, crc32XZ...), "garbage after the stream\n"...), ErrFormat},
		bad{"trailing-garbage-short", append(append([]byte{}, crc32XZ...), "garbage\n"...), nil},
		bad{"padding-not-multiple-of-4", append(append([]byte{}, crc32XZ...), 0, 0, 0), ErrFormat},
		bad{"truncated-second-stream", append(append([]byte{}, crc32XZ...), crc32XZ[:40]...), io.ErrUnexpectedEOF},
	)
	if small := goXZ(t, []byte("hello, world\n"), xz.CRC64, 0); true {
		for i := range len(small) {
			cases = append(cases, bad{fmt.Sprintf("prefix/%d", i), small[:i], io.ErrUnexpectedEOF})
		}
	}
	if _, err := exec.LookPath("xz"); err == nil {
		cli := cliXZ(t, data, "--check=sha256")
		checkOff, _, _ := xzSections(t, cli)
		cases = append(cases,
			bad{"cli/wrong-sha256", flip(cli, checkOff+5), ErrFormat},
			bad{"cli/truncated", cli[:len(cli)-13], io.ErrUnexpectedEOF},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, pure := range []bool{false, true} {
				got, err := decodeWith(pure, c.in, nil, 32<<10)
				if err == nil {
					t.Fatalf("pure=%v: no error, %d bytes out", pure, len(got))
				}
				if !pure && usesLiblzma() && c.kind != nil && !errors.Is(err, c.kind) {
					t.Errorf("liblzma: %v, want an error wrapping %v", err, c.kind)
				}
				if !pure {
					t.Logf("%v", err)
				}
			}
		})
	}
}

// TestXZMemLimit: a header asking for a 1 GiB dictionary stops liblzma
// with an error that names the limit.
func TestXZMemLimit(t *testing.T) {
	if !usesLiblzma() {
		t.Skip("ulikunitz/xz has no memory limit")
	}
	in := setDictSize(t, goXZ(t, []byte("hello"), xz.CRC64, 0), 36) // 2 << 29
	_, err := decodeWith(false, in, nil, 1<<10)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "over the limit of 256 MiB") {
		t.Fatalf("got %v", err)
	}
	// Half the limit (128 MiB): decodes.
	in = setDictSize(t, goXZ(t, []byte("hello"), xz.CRC64, 0), 30) // 2 << 26
	if got, err := decodeWith(false, in, nil, 1<<10); err != nil || string(got) != "hello" {
		t.Fatalf("128 MiB dictionary: %q %v", got, err)
	}
}

// TestXZReaderAfterEnd: reads after the end repeat io.EOF, reads after an
// error repeat it, and closing twice, or before the end, is fine.
func TestXZReaderAfterEnd(t *testing.T) {
	data := xzPayload(500<<10, 5)
	good := goXZ(t, data, xz.CRC64, 0)

	z, err := NewXZReader(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(z); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
	for range 2 {
		if n, err := z.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("after the end: %d, %v", n, err)
		}
	}
	z.Close()
	z.Close()

	z, err = NewXZReader(bytes.NewReader(good[:len(good)/2]))
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := io.ReadAll(z)
	_, err2 := z.Read(make([]byte, 10))
	if err1 == nil || err2 == nil {
		t.Fatalf("truncated: %v, then %v", err1, err2)
	}
	z.Close()

	z, err = NewXZReader(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(z, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	z.Close()
	if n, err := z.Read(make([]byte, 10)); usesLiblzma() && (n != 0 || err == nil) {
		t.Fatalf("read after close: %d, %v", n, err)
	}
}

// TestXZInputError: the input's own error comes out of the decoder, after
// the bytes that came before it were decoded.
func TestXZInputError(t *testing.T) {
	good := goXZ(t, xzPayload(300<<10, 6), xz.CRC64, 0)
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(good[:len(good)/2]), iotest.ErrReader(boom))
	z, err := NewXZReader(r)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	got, err := io.ReadAll(z)
	if !errors.Is(err, boom) || len(got) == 0 {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

// FuzzXZ: on any input the build's decoder (liblzma with the tag) gives
// the same bytes as ulikunitz/xz, or both fail. Inputs that liblzma's
// memory limit refuses are not given to ulikunitz/xz, which would
// allocate the dictionary they ask for. Where the two disagree, xz(1)
// (liblzma's own front end) decides: the build's decoder must then agree
// with it. Two disagreements are known, both ulikunitz/xz's: it implements
// only the LZMA2 filter alone (not BCJ or delta, which xz --x86 or --delta
// write and liblzma decodes), and it takes an end of input inside or
// instead of a block header for the end of the stream
// (https://github.com/ulikunitz/xz/pull/83): newGoXZReader catches that for
// truncated files, not for a crafted stream footer right after it.
func FuzzXZ(f *testing.F) {
	hello := []byte("hello, hello, hello, world\n")
	for _, check := range []byte{xz.None, xz.CRC32, xz.CRC64, xz.SHA256} {
		f.Add(goXZ(f, hello, check, 0))
	}
	f.Add(goXZ(f, xzPayload(5000, 9), xz.CRC64, 1000))
	f.Add(append(goXZ(f, hello, xz.CRC32, 0), append([]byte{0, 0, 0, 0}, goXZ(f, nil, xz.CRC64, 0)...)...))
	if _, err := exec.LookPath("xz"); err == nil {
		f.Add(cliXZ(f, hello, "--check=crc32"))
		f.Add(cliXZ(f, xzPayload(3000, 10), "--block-size=1KiB", "--check=sha256"))
		f.Add(cliXZ(f, hello, "--format=xz", "--lzma2=preset=1,lc=0,lp=2,pb=0"))
		f.Add(cliXZ(f, hello, "--x86", "--lzma2=preset=0"))
		f.Add(cliXZ(f, hello, "--delta=dist=2", "--lzma2=preset=0"))
	}
	const maxOut = 4 << 20
	decode := func(pure bool, data []byte) ([]byte, error) {
		dec, closeDec, err := openXZ(pure, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		defer closeDec()
		return io.ReadAll(io.LimitReader(dec, maxOut))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decode(false, data)
		if errors.Is(err, ErrLimit) {
			return
		}
		want, wantErr := decode(true, data)
		if (err == nil) == (wantErr == nil) && (err != nil || bytes.Equal(got, want)) {
			return
		}
		msg := fmt.Sprintf("%s: %v; ulikunitz/xz: %v (%d and %d bytes out)", XZDecoder(), err, wantErr, len(got), len(want))
		if !usesLiblzma() {
			t.Fatal(msg)
		}
		cli, ok, cliErr := xzCLI(data, maxOut)
		switch {
		case !ok:
			// No xz(1): only the known disagreements pass.
			if err == nil && wantErr != nil && strings.Contains(wantErr.Error(), "filter") {
				return
			}
			if errors.Is(err, io.ErrUnexpectedEOF) && wantErr == nil && bytes.HasPrefix(want, got) {
				return
			}
			t.Fatal(msg)
		case cliErr != nil && err == nil:
			t.Fatalf("%s; xz(1): %v", msg, cliErr)
		case cliErr == nil && (err != nil || !bytes.Equal(got, cli)):
			t.Fatalf("%s; xz(1): %d bytes out", msg, len(cli))
		}
	})
}

// xzCLI decodes data with xz(1): its output (at most limit bytes; a longer
// output is cut there, which is not an error) and its failure, a non-zero
// exit status (warnings included: an unsupported check type is one).
// ok is false when xz(1) is not installed.
func xzCLI(data []byte, limit int) (out []byte, ok bool, err error) {
	if _, err := exec.LookPath("xz"); err != nil {
		return nil, false, nil
	}
	cmd := exec.Command("xz", "-dc", "-T1", "--memlimit=256MiB")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, true, err
	}
	if err := cmd.Start(); err != nil {
		return nil, true, err
	}
	out, _ = io.ReadAll(io.LimitReader(stdout, int64(limit)))
	long := false
	if n, _ := io.Copy(io.Discard, io.LimitReader(stdout, 1)); n > 0 {
		long = true
		_ = cmd.Process.Kill()
	}
	err = cmd.Wait()
	if long {
		return out, true, nil
	}
	if err != nil {
		return out, true, fmt.Errorf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, true, nil
}
