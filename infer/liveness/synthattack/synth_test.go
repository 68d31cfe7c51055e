package synthattack

import (
	"bytes"
	"image"
	"image/color"
	"strings"
	"testing"
)

func photo() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 40, 50))
	for y := 0; y < 50; y++ {
		for x := 0; x < 40; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 6), uint8(y * 5), 128, 255})
		}
	}
	return img
}

func TestRenderDeterministic(t *testing.T) {
	o := Options{Kind: Screen, Border: true, Frames: 3, Width: 96, Height: 72, Seed: 7}
	a, err := Render(photo(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(photo(), o)
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("got %d and %d frames, want 3", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Pix, b[i].Pix) {
			t.Fatalf("frame %d differs between two renders with seed 7", i)
		}
		if a[i].Bounds().Dx() != 96 || a[i].Bounds().Dy() != 72 {
			t.Fatalf("frame size %v, want 96x72", a[i].Bounds())
		}
	}
	o.Seed = 8
	c, _ := Render(photo(), o)
	if bytes.Equal(a[0].Pix, c[0].Pix) {
		t.Error("seeds 7 and 8 gave the same first frame")
	}
	if bytes.Equal(a[0].Pix, a[2].Pix) {
		t.Error("the medium did not move between frames 1 and 3")
	}
}

// TestRenderBezel: a screen with a border shows dark bezel pixels; without
// a border the whole frame is photo content (no dark pixels at all, since
// the test photo has none).
func TestRenderBezel(t *testing.T) {
	dark := func(img *image.RGBA) int {
		n := 0
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i] < 50 && img.Pix[i+1] < 50 && img.Pix[i+2] < 60 {
				n++
			}
		}
		return n
	}
	with, err := Render(photo(), Options{Kind: Screen, Border: true, Frames: 1, Width: 160, Height: 120, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	without, _ := Render(photo(), Options{Kind: Screen, Border: false, Frames: 1, Width: 160, Height: 120, Seed: 3})
	if n := dark(with[0]); n < 100 {
		t.Errorf("screen with border: %d dark pixels, want a bezel (>= 100)", n)
	}
	if n := dark(without[0]); n > 20 {
		t.Errorf("screen without border: %d dark pixels, want ~0", n)
	}
}

func TestRenderRejectsBadOptions(t *testing.T) {
	cases := []struct {
		o    Options
		want string
	}{
		{Options{Kind: "hologram"}, "kind"},
		{Options{Frames: -1}, "frames"},
		{Options{Width: 10, Height: 10}, "size"},
		{Options{Motion: 9}, "motion"},
	}
	for _, c := range cases {
		if _, err := Render(photo(), c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want one naming %s", c.o, err, c.want)
		}
	}
	if _, err := Render(image.NewRGBA(image.Rect(0, 0, 4, 4)), Options{}); err == nil {
		t.Error("4×4 photo accepted")
	}
}

// TestRenderFill: with Fill the photo covers the whole view, so the frame
// holds no pixel of the background or the bezel.
func TestRenderFill(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 50))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	f, err := Render(img, Options{Kind: Print, Fill: true, Frames: 2, Width: 160, Height: 120, Seed: 4, Motion: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	for n, fr := range f {
		for i := 0; i < len(fr.Pix); i += 4 {
			if fr.Pix[i] < 120 { // print contrast maps 200 to >= 170; noise is a few levels
				t.Fatalf("frame %d pixel %d = %d: background or border visible with Fill", n, i/4, fr.Pix[i])
			}
		}
	}
}
