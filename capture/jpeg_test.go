package capture

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"strconv"
	"testing"
)

func smallJPEG(t testing.TB, w, h int, c uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = c + uint8(i)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withThumbnail inserts an APP1 segment holding a complete JPEG (SOI..EOI),
// as EXIF thumbnails do.
func withThumbnail(t testing.TB, frame, thumb []byte) []byte {
	n := 2 + len(thumb)
	app1 := append([]byte{0xff, 0xe1, byte(n >> 8), byte(n)}, thumb...)
	return append(append(append([]byte{}, frame[:2]...), app1...), frame[2:]...)
}

func split(data []byte) ([][]byte, error) {
	var s Splitter
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 16), 1<<20) // small start: exercises the "need more data" path
	sc.Split(s.Split)
	var out [][]byte
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out, sc.Err()
}

func TestSplitter(t *testing.T) {
	a, b := smallJPEG(t, 16, 16, 10), smallJPEG(t, 24, 8, 99)
	thumbed := withThumbnail(t, a, smallJPEG(t, 8, 8, 200))
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		data    []byte
		want    [][]byte
		wantErr bool
	}{
		{"empty", nil, nil, false},
		{"one", a, [][]byte{a}, false},
		{"two", cat(a, b), [][]byte{a, b}, false},
		{"garbage between and after", cat([]byte("junk\xff\x00"), a, []byte{0, 0, 0xff}, b, []byte("tail")), [][]byte{a, b}, false},
		{"embedded thumbnail", cat(thumbed, b), [][]byte{thumbed, b}, false},
		{"no frame at all", []byte("not a jpeg at all"), nil, false},
		{"truncated last frame", cat(a, b[:len(b)/2]), [][]byte{a}, true},
		{"bad segment length", cat([]byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01}, a), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := split(tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrJPEG) {
				t.Errorf("error %v does not wrap ErrJPEG", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d frames, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("frame %d: %d bytes differ from the %d expected", i, len(got[i]), len(tt.want[i]))
				}
			}
		})
	}
}

func TestSplitterErrorNamesOffset(t *testing.T) {
	a := smallJPEG(t, 16, 16, 1)
	_, err := split(append(append([]byte{}, a...), a[:40]...))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("offset "+itoa(len(a)))) {
		t.Errorf("error %v should name offset %d", err, len(a))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestJPEGSize(t *testing.T) {
	w, h, err := jpegSize(smallJPEG(t, 24, 8, 0))
	if err != nil || w != 24 || h != 8 {
		t.Errorf("jpegSize = %d, %d, %v; want 24, 8", w, h, err)
	}
	for _, bad := range [][]byte{nil, {0xff, 0xd8}, []byte("hello world"), {0xff, 0xd8, 0xff, 0xd9}} {
		if _, _, err := jpegSize(bad); !errors.Is(err, ErrJPEG) {
			t.Errorf("jpegSize(%q) err = %v, want ErrJPEG", bad, err)
		}
	}
}

func FuzzSplitter(f *testing.F) {
	a, b := smallJPEG(f, 16, 16, 10), smallJPEG(f, 8, 8, 50)
	f.Add(a)
	f.Add(append(append([]byte("xx"), a...), b...))
	f.Add(withThumbnail(f, a, b))
	f.Add(a[:len(a)/2])
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0x00, 0xff, 0xd0, 0xff, 0xd9})
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := split(data)
		total := 0
		for _, fr := range frames {
			if len(fr) < 4 || fr[0] != 0xff || fr[1] != 0xd8 || fr[len(fr)-2] != 0xff || fr[len(fr)-1] != 0xd9 {
				t.Fatalf("frame % x... is not SOI..EOI", fr[:min(len(fr), 8)])
			}
			if !bytes.Contains(data, fr) {
				t.Fatal("frame not taken from the input")
			}
			total += len(fr)
		}
		if total > len(data) {
			t.Fatalf("frames hold %d bytes of a %d-byte input", total, len(data))
		}
		if err != nil && !errors.Is(err, ErrJPEG) {
			t.Fatalf("unexpected error type: %v", err)
		}
	})
}

func FuzzDecodeJPEG(f *testing.F) {
	a := smallJPEG(f, 16, 16, 10)
	f.Add(a)
	f.Add(a[:len(a)/2])
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xff, 0xda})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, h, serr := jpegSize(data)
		img, err := DecodeJPEG(data)
		if err == nil {
			if b := img.Bounds(); serr == nil && (b.Dx() != w || b.Dy() != h) {
				t.Fatalf("jpegSize %dx%d, decoded %v", w, h, b)
			}
			fr := Frame{Width: w, Height: h, Format: FormatMJPEG, Data: data}
			if _, err := fr.RGBA(nil); err != nil {
				t.Fatalf("decodable frame failed RGBA: %v", err)
			}
		}
	})
}

func FuzzFrameConvert(f *testing.F) {
	f.Add(4, 2, 0, uint32(FormatYUYV), []byte("0123456789abcdef"))
	f.Add(3, 1, 8, uint32(FormatYUYV), []byte("01234567"))
	f.Add(2, 2, 0, uint32(FormatRGBA), []byte("0123456789abcdef"))
	f.Add(2, 2, 0, uint32(FormatGrey), []byte("0123"))
	f.Fuzz(func(t *testing.T, w, h, stride int, format uint32, data []byte) {
		fr := Frame{Width: w, Height: h, Stride: stride, Format: PixelFormat(format), Data: data}
		if fr.Format.IsJPEG() {
			return // FuzzDecodeJPEG covers these
		}
		img, err := fr.RGBA(nil)
		if err == nil && (img.Rect.Dx() != w || img.Rect.Dy() != h) {
			t.Fatalf("RGBA size %v for a %dx%d frame", img.Rect, w, h)
		}
		g, err := fr.Gray(nil)
		if err == nil && (g.Rect.Dx() != w || g.Rect.Dy() != h) {
			t.Fatalf("Gray size %v for a %dx%d frame", g.Rect, w, h)
		}
	})
}
