package infer

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // register the JPEG decoder for DecodeFile
	_ "image/png"  // register the PNG decoder for DecodeFile
	"io"
	"os"
)

// maxDecodePixels bounds the size of an image DecodeFile accepts, so a
// hostile header cannot make us allocate gigabytes.
const maxDecodePixels = 50_000_000

// ErrImage reports an image file that cannot be decoded.
var ErrImage = errors.New("cannot decode image")

// DecodeFile reads a JPEG or PNG file into an RGBA image. A truncated,
// corrupt or oversized file gives an error naming the file.
func DecodeFile(path string) (*image.RGBA, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	img, err := Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// Decode decodes a JPEG or PNG stream into an RGBA image. It checks the
// header size before decoding the pixels and never panics on bad input.
func Decode(r io.ReadSeeker) (img *image.RGBA, err error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxDecodePixels {
		return nil, fmt.Errorf("%w: %s of %d×%d pixels is empty or too large (max %d pixels)", ErrImage, format, cfg.Width, cfg.Height, maxDecodePixels)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%w: rewind: %v", ErrImage, err)
	}
	defer func() {
		// The standard decoders do not panic on bad input as far as we
		// know; this keeps a decoder bug from taking the daemon down.
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrImage, p)
		}
	}()
	src, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrImage, format, err)
	}
	return ToRGBA(src), nil
}

// ToRGBA returns img as an *image.RGBA with its origin at (0, 0), converting
// (and copying) when needed. Grayscale and YCbCr images become RGB.
func ToRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}
