package infer

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func encoded(t testing.TB) (jpg, pngb []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 24; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(10 * x), uint8(10 * y), 50, 255})
		}
	}
	var a, b bytes.Buffer
	if err := jpeg.Encode(&a, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes()
}

func TestDecodeImage(t *testing.T) {
	jpg, pn := encoded(t)
	for _, b := range [][]byte{jpg, pn} {
		img, err := Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if img.Rect != image.Rect(0, 0, 24, 16) {
			t.Errorf("decoded bounds %v", img.Rect)
		}
	}
	gray := image.NewGray(image.Rect(5, 5, 9, 9))
	gray.Pix[0] = 77
	if m := ToRGBA(gray); m.Rect.Min != (image.Point{}) || m.Pix[0] != 77 || m.Pix[1] != 77 || m.Pix[3] != 255 {
		t.Errorf("ToRGBA(gray) = bounds %v pix %v", m.Rect, m.Pix[:4])
	}
}

func TestDecodeFileErrorsNameTheFile(t *testing.T) {
	jpg, pn := encoded(t)
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"trunc.jpg": jpg[:len(jpg)/2],
		"trunc.png": pn[:len(pn)-20],
		"text.jpg":  []byte("hello"),
		"empty.png": nil,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := DecodeFile(p)
		if err == nil || !strings.Contains(err.Error(), name) || !errors.Is(err, ErrImage) {
			t.Errorf("%s: error %v, want ErrImage naming the file", name, err)
		}
	}
	if _, err := DecodeFile(filepath.Join(dir, "missing.jpg")); err == nil || !strings.Contains(err.Error(), "missing.jpg") {
		t.Errorf("missing file: error %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	jpg, pn := encoded(f)
	f.Add(jpg)
	f.Add(pn)
	f.Add(jpg[:len(jpg)/2])
	f.Add(pn[:40])
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Decode(bytes.NewReader(b))
		if err != nil {
			if img != nil {
				t.Error("image returned with an error")
			}
			return
		}
		if img.Rect.Dx() <= 0 || img.Rect.Dy() <= 0 || len(img.Pix) < 4*img.Rect.Dx()*img.Rect.Dy() {
			t.Errorf("bad image bounds %v with %d bytes", img.Rect, len(img.Pix))
		}
	})
}
