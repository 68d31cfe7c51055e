package capture

import (
	"errors"
	"fmt"
	"image"
	"time"
)

// PixelFormat is a V4L2 pixel format code (a little-endian fourcc, as in
// linux/videodev2.h).
type PixelFormat uint32

// Pixel formats a Frame can carry.
const (
	// FormatYUYV is packed YUV 4:2:2 (Y0 U Y1 V), BT.601 limited range.
	FormatYUYV PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	// FormatMJPEG is one Motion-JPEG frame (a baseline JPEG, possibly without
	// Huffman tables, as UVC cameras send it).
	FormatMJPEG PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	// FormatJPEG is a JPEG frame; some cameras report it instead of MJPEG.
	FormatJPEG PixelFormat = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24
	// FormatRGBA is packed 8-bit R, G, B, A, as image.RGBA stores it.
	FormatRGBA PixelFormat = 'A' | 'B'<<8 | '2'<<16 | '4'<<24
	// FormatGrey is 8-bit luma (V4L2 "GREY").
	FormatGrey PixelFormat = 'G' | 'R'<<8 | 'E'<<16 | 'Y'<<24
)

// String returns the fourcc, e.g. "YUYV".
func (p PixelFormat) String() string {
	b := []byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("0x%08x", uint32(p))
		}
	}
	return string(b)
}

// IsJPEG reports whether frames of this format are JPEG-compressed.
func (p PixelFormat) IsJPEG() bool { return p == FormatMJPEG || p == FormatJPEG }

// Frame is one captured image.
//
// Data belongs to the Source that returned the frame and stays valid only
// until the next call to that Source's Next (or Latest.Next); copy it to keep
// it longer.
type Frame struct {
	// Time is when the frame was captured. It carries a monotonic clock
	// reading, so Sub between frames is immune to wall-clock steps.
	Time time.Time
	// Seq counts frames delivered by the source, starting at 1.
	Seq uint64
	// Width and Height are the image size in pixels.
	Width, Height int
	// Stride is the number of bytes per row for packed formats (YUYV, RGBA,
	// Grey); 0 means tightly packed. It is unused for JPEG.
	Stride int
	// Format is the pixel format of Data.
	Format PixelFormat
	// Data holds the pixels (or the JPEG stream).
	Data []byte
}

// ErrFrame reports frame bytes that do not match the frame's format or size.
var ErrFrame = errors.New("bad frame data")

// maxSide bounds frame width and height, so that sizes from untrusted
// headers cannot overflow buffer arithmetic.
const maxSide = 1 << 15

// stride returns the row stride of a packed frame with bpp bytes per pixel,
// checking that Data is long enough.
func (f *Frame) stride(bpp int) (int, error) {
	if f.Width <= 0 || f.Height <= 0 || f.Width > maxSide || f.Height > maxSide {
		return 0, fmt.Errorf("%w: %s frame size %dx%d", ErrFrame, f.Format, f.Width, f.Height)
	}
	s := f.Stride
	if s == 0 {
		s = f.Width * bpp
	}
	if s < f.Width*bpp {
		return 0, fmt.Errorf("%w: %s stride %d < %d bytes for width %d", ErrFrame, f.Format, s, f.Width*bpp, f.Width)
	}
	if need := s*(f.Height-1) + f.Width*bpp; len(f.Data) < need {
		return 0, fmt.Errorf("%w: %s %dx%d needs %d bytes, have %d", ErrFrame, f.Format, f.Width, f.Height, need, len(f.Data))
	}
	return s, nil
}

// RGBA converts the frame to colour. It writes into dst when dst has the
// frame's size (reusing its pixels, so steady-state conversion does not
// allocate) and otherwise allocates a new image; it returns the image written.
// JPEG frames are decoded with image/jpeg, which allocates per frame; the
// result has the decoded size.
func (f *Frame) RGBA(dst *image.RGBA) (*image.RGBA, error) {
	switch f.Format {
	case FormatYUYV:
		s, err := f.stride(2)
		if err != nil {
			return nil, err
		}
		dst = fitRGBA(dst, f.Width, f.Height)
		yuyvToRGBA(dst, f.Data, s)
	case FormatRGBA:
		s, err := f.stride(4)
		if err != nil {
			return nil, err
		}
		dst = fitRGBA(dst, f.Width, f.Height)
		for y := 0; y < f.Height; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*f.Width], f.Data[y*s:])
		}
	case FormatGrey:
		s, err := f.stride(1)
		if err != nil {
			return nil, err
		}
		dst = fitRGBA(dst, f.Width, f.Height)
		greyToRGBA(dst, f.Data, s)
	case FormatMJPEG, FormatJPEG:
		img, err := DecodeJPEG(f.Data)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		dst = fitRGBA(dst, b.Dx(), b.Dy())
		imageToRGBA(dst, img)
	default:
		return nil, fmt.Errorf("%w: cannot convert pixel format %s", ErrFrame, f.Format)
	}
	return dst, nil
}

// Gray converts the frame to 8-bit luma, full range (0 black, 255 white),
// with the same reuse rules as RGBA.
func (f *Frame) Gray(dst *image.Gray) (*image.Gray, error) {
	switch f.Format {
	case FormatYUYV:
		s, err := f.stride(2)
		if err != nil {
			return nil, err
		}
		dst = fitGray(dst, f.Width, f.Height)
		yuyvToGray(dst, f.Data, s)
	case FormatGrey:
		s, err := f.stride(1)
		if err != nil {
			return nil, err
		}
		dst = fitGray(dst, f.Width, f.Height)
		for y := 0; y < f.Height; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+f.Width], f.Data[y*s:])
		}
	case FormatRGBA:
		s, err := f.stride(4)
		if err != nil {
			return nil, err
		}
		dst = fitGray(dst, f.Width, f.Height)
		rgbaToGray(dst, f.Data, s)
	case FormatMJPEG, FormatJPEG:
		img, err := DecodeJPEG(f.Data)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		dst = fitGray(dst, b.Dx(), b.Dy())
		imageToGray(dst, img)
	default:
		return nil, fmt.Errorf("%w: cannot convert pixel format %s", ErrFrame, f.Format)
	}
	return dst, nil
}

func fitRGBA(dst *image.RGBA, w, h int) *image.RGBA {
	if dst != nil && dst.Rect.Dx() == w && dst.Rect.Dy() == h && dst.Stride >= 4*w {
		return dst
	}
	if w < 0 || h < 0 {
		w, h = 0, 0
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

func fitGray(dst *image.Gray, w, h int) *image.Gray {
	if dst != nil && dst.Rect.Dx() == w && dst.Rect.Dy() == h && dst.Stride >= w {
		return dst
	}
	if w < 0 || h < 0 {
		w, h = 0, 0
	}
	return image.NewGray(image.Rect(0, 0, w, h))
}
