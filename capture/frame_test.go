package capture_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"github.com/facegate/facegate/capture"
)

// refYUV is the floating-point BT.601 limited-range conversion.
func refYUV(y, u, v uint8) (r, g, b uint8) {
	yf := 1.164 * (float64(y) - 16)
	uf, vf := float64(u)-128, float64(v)-128
	c := func(x float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(x)))) }
	return c(yf + 1.596*vf), c(yf - 0.392*uf - 0.813*vf), c(yf + 2.017*uf)
}

func TestYUYVToRGBAKnownColours(t *testing.T) {
	tests := []struct {
		name    string
		y, u, v uint8
		want    color.RGBA
	}{
		{"black", 16, 128, 128, color.RGBA{0, 0, 0, 255}},
		{"white", 235, 128, 128, color.RGBA{255, 255, 255, 255}},
		{"red", 81, 90, 240, color.RGBA{255, 0, 0, 255}},
		{"green", 145, 54, 34, color.RGBA{0, 255, 0, 255}},
		{"blue", 41, 240, 110, color.RGBA{0, 0, 255, 255}},
	}
	for _, tt := range tests {
		f := capture.Frame{Width: 2, Height: 1, Format: capture.FormatYUYV, Data: []byte{tt.y, tt.u, tt.y, tt.v}}
		img, err := f.RGBA(nil)
		if err != nil {
			t.Fatal(err)
		}
		for x := 0; x < 2; x++ {
			got := img.RGBAAt(x, 0)
			if d := maxDiff(got, tt.want); d > 2 {
				t.Errorf("%s pixel %d = %v, want %v (±2)", tt.name, x, got, tt.want)
			}
		}
	}
}

func maxDiff(a, b color.RGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}, {a.A, b.A}} {
		x := int(p[0]) - int(p[1])
		if x < 0 {
			x = -x
		}
		d = max(d, x)
	}
	return d
}

func TestYUYVToRGBAMatchesReference(t *testing.T) {
	// Every Y with a grid of chroma values, against the float formula.
	var data []byte
	for u := 0; u < 256; u += 15 {
		for v := 0; v < 256; v += 15 {
			for y := 0; y < 256; y += 2 {
				data = append(data, byte(y), byte(u), byte(y+1), byte(v))
			}
		}
	}
	w := 256
	h := len(data) / (2 * w)
	f := capture.Frame{Width: w, Height: h, Format: capture.FormatYUYV, Data: data}
	img, err := f.RGBA(nil)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0
	for i := 0; i < w*h; i++ {
		p := data[4*(i/2) : 4*(i/2)+4]
		r, g, b := refYUV(p[2*(i%2)], p[1], p[3])
		got := color.RGBA{img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3]}
		worst = max(worst, maxDiff(got, color.RGBA{r, g, b, 255}))
	}
	if worst > 2 {
		t.Errorf("largest deviation from the float BT.601 formula: %d, want <= 2", worst)
	}
}

func TestFrameStrideAndReuse(t *testing.T) {
	// 3x2 YUYV (odd width) with 4 bytes of row padding.
	row := []byte{16, 128, 235, 128, 126, 128, 0, 0, 0, 0}
	data := append(append([]byte{}, row...), row...)
	f := capture.Frame{Width: 3, Height: 2, Stride: 10, Format: capture.FormatYUYV, Data: data}
	dst := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img, err := f.RGBA(dst)
	if err != nil {
		t.Fatal(err)
	}
	if img != dst {
		t.Error("RGBA allocated although dst had the right size")
	}
	want := []uint8{0, 255, 128}
	for y := 0; y < 2; y++ {
		for x, wv := range want {
			if got := img.RGBAAt(x, y); maxDiff(got, color.RGBA{wv, wv, wv, 255}) > 1 {
				t.Errorf("pixel %d,%d = %v, want grey %d", x, y, got, wv)
			}
		}
	}
	g, err := f.Gray(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.Pix, []byte{0, 255, 128, 0, 255, 128}) {
		t.Errorf("grey = %v", g.Pix)
	}
	// A wrong-size dst is replaced, not written out of bounds.
	small := image.NewRGBA(image.Rect(0, 0, 1, 1))
	if img, _ := f.RGBA(small); img == small || img.Rect.Dx() != 3 {
		t.Error("RGBA wrote into a destination of the wrong size")
	}
}

func TestFrameBadData(t *testing.T) {
	tests := []struct {
		name string
		f    capture.Frame
	}{
		{"short yuyv", capture.Frame{Width: 640, Height: 480, Format: capture.FormatYUYV, Data: make([]byte, 1000)}},
		{"stride too small", capture.Frame{Width: 4, Height: 1, Stride: 4, Format: capture.FormatYUYV, Data: make([]byte, 8)}},
		{"zero size", capture.Frame{Format: capture.FormatYUYV}},
		{"huge size", capture.Frame{Width: 1 << 30, Height: 1 << 30, Format: capture.FormatRGBA}},
		{"unknown format", capture.Frame{Width: 1, Height: 1, Format: capture.PixelFormat(0x12345678), Data: []byte{1, 2, 3, 4}}},
		{"truncated jpeg", capture.Frame{Width: 8, Height: 8, Format: capture.FormatMJPEG, Data: encodeJPEG(t, 8, 8)[:60]}},
	}
	for _, tt := range tests {
		if _, err := tt.f.RGBA(nil); err == nil {
			t.Errorf("%s: RGBA succeeded", tt.name)
		}
		if _, err := tt.f.Gray(nil); err == nil {
			t.Errorf("%s: Gray succeeded", tt.name)
		}
	}
	f := tests[0].f
	if _, err := f.RGBA(nil); !errors.Is(err, capture.ErrFrame) {
		t.Errorf("short frame error %v does not wrap ErrFrame", err)
	}
}

// testImage is a smooth gradient with a colour blob, for JPEG round trips.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := uint8(255 * x / max(w-1, 1))
			g := uint8(255 * y / max(h-1, 1))
			b := uint8(128)
			if (x-w/2)*(x-w/2)+(y-h/2)*(y-h/2) < w*h/16 {
				r, g, b = 220, 40, 40
			}
			img.SetRGBA(x, y, color.RGBA{r, g, b, 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJPEGFrameConversion(t *testing.T) {
	data := encodeJPEG(t, 64, 48)
	f := capture.Frame{Width: 64, Height: 48, Format: capture.FormatMJPEG, Data: data}
	img, err := f.RGBA(nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	worst := 0
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			want := color.RGBAModel.Convert(ref.At(x, y)).(color.RGBA)
			worst = max(worst, maxDiff(img.RGBAAt(x, y), want))
		}
	}
	if worst > 1 {
		t.Errorf("RGBA differs from image/jpeg's colour conversion by up to %d", worst)
	}
	g, err := f.Gray(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.Pix, ref.(*image.YCbCr).Y[:64*48]) {
		t.Error("grey is not the JPEG's luma plane")
	}
}

// stripDHT removes the Huffman table segments, as UVC cameras send MJPEG.
func stripDHT(t testing.TB, data []byte) []byte {
	out := append([]byte{}, data[:2]...)
	p := 2
	for p+4 <= len(data) {
		m := data[p+1]
		n := int(data[p+2])<<8 | int(data[p+3])
		if m == 0xda {
			return append(out, data[p:]...)
		}
		if m != 0xc4 {
			out = append(out, data[p:p+2+n]...)
		}
		p += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}

func TestDecodeJPEGWithoutHuffmanTables(t *testing.T) {
	data := encodeJPEG(t, 32, 32)
	bare := stripDHT(t, data)
	if bytes.Contains(bare, []byte{0xff, 0xc4}) {
		t.Fatal("strip failed")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables; the test proves nothing")
	}
	got, err := capture.DecodeJPEG(bare)
	if err != nil {
		t.Fatalf("DecodeJPEG without DHT: %v", err)
	}
	want, _ := jpeg.Decode(bytes.NewReader(data))
	if !bytes.Equal(got.(*image.YCbCr).Y, want.(*image.YCbCr).Y) {
		t.Error("decoding with the default tables differs from the original")
	}
}
