package capture

import (
	"image"
	"image/draw"
)

// The conversions below use integer arithmetic and write straight into the
// destination's Pix slice; they allocate nothing.
//
// YUYV from cameras is ITU-R BT.601 with limited ("studio") range: Y in
// 16..235, Cb/Cr in 16..240 (the V4L2 default quantization for YUV formats).
// Coefficients are the usual 8-bit fixed-point ones (scaled by 256):
//
//	R = 1.164(Y-16) + 1.596(Cr-128)
//	G = 1.164(Y-16) - 0.392(Cb-128) - 0.813(Cr-128)
//	B = 1.164(Y-16) + 2.017(Cb-128)
//
// JPEG (JFIF) YCbCr is full range; see ycbcrToRGBA.

func clamp8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// yuyvToRGBA converts packed YUYV rows of stride bytes into dst, which has
// the frame's size.
func yuyvToRGBA(dst *image.RGBA, src []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	pairs := w / 2
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+4*pairs]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+8*pairs]
		for len(s) >= 4 && len(d) >= 8 {
			u := int32(s[1]) - 128
			v := int32(s[3]) - 128
			rv := 409*v + 128
			gv := -100*u - 208*v + 128
			bu := 516*u + 128
			y0 := 298 * (int32(s[0]) - 16)
			y1 := 298 * (int32(s[2]) - 16)
			d[0] = clamp8((y0 + rv) >> 8)
			d[1] = clamp8((y0 + gv) >> 8)
			d[2] = clamp8((y0 + bu) >> 8)
			d[3] = 0xff
			d[4] = clamp8((y1 + rv) >> 8)
			d[5] = clamp8((y1 + gv) >> 8)
			d[6] = clamp8((y1 + bu) >> 8)
			d[7] = 0xff
			s, d = s[4:], d[8:]
		}
		if w%2 == 1 { // odd width: the last pixel has Y and U only
			p := src[y*stride+2*w-2 : y*stride+2*w]
			u := int32(p[1]) - 128
			y0 := 298 * (int32(p[0]) - 16)
			o := dst.Pix[y*dst.Stride+4*w-4 : y*dst.Stride+4*w]
			o[0] = clamp8((y0 + 128) >> 8)
			o[1] = clamp8((y0 - 100*u + 128) >> 8)
			o[2] = clamp8((y0 + 516*u + 128) >> 8)
			o[3] = 0xff
		}
	}
}

// yuyvToGray takes the luma of packed YUYV rows and expands it from limited
// to full range.
func yuyvToGray(dst *image.Gray, src []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+2*w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range d {
			d[x] = clamp8((298*(int32(s[2*x])-16) + 128) >> 8)
		}
	}
}

func greyToRGBA(dst *image.RGBA, src []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, g := range s {
			o := d[4*x : 4*x+4 : 4*x+4]
			o[0], o[1], o[2], o[3] = g, g, g, 0xff
		}
	}
}

// rgbaToGray uses the BT.601 luma weights of image/color.GrayModel
// (0.299 R + 0.587 G + 0.114 B), ignoring alpha.
func rgbaToGray(dst *image.Gray, src []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+4*w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range d {
			p := s[4*x : 4*x+4 : 4*x+4]
			d[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
		}
	}
}

// chromaShifts returns log2 of the horizontal and vertical chroma
// subsampling factors.
func chromaShifts(r image.YCbCrSubsampleRatio) (hs, vs uint, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 0, 0, true
	case image.YCbCrSubsampleRatio422:
		return 1, 0, true
	case image.YCbCrSubsampleRatio420:
		return 1, 1, true
	case image.YCbCrSubsampleRatio440:
		return 0, 1, true
	case image.YCbCrSubsampleRatio411:
		return 2, 0, true
	case image.YCbCrSubsampleRatio410:
		return 2, 1, true
	}
	return 0, 0, false
}

// ycbcrToRGBA converts a full-range (JFIF) YCbCr image whose bounds start at
// the origin, with the 16.16 fixed-point coefficients of image/color:
// R = Y + 1.402 Cr', G = Y - 0.344136 Cb' - 0.714136 Cr', B = Y + 1.772 Cb'.
func ycbcrToRGBA(dst *image.RGBA, src *image.YCbCr, hs, vs uint) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		yr := src.Y[y*src.YStride : y*src.YStride+w]
		co := (y >> vs) * src.CStride
		cbr := src.Cb[co:]
		crr := src.Cr[co:]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, yy := range yr {
			cx := x >> hs
			cb := int32(cbr[cx]) - 128
			cr := int32(crr[cx]) - 128
			y1 := int32(yy)<<16 + 1<<15
			o := d[4*x : 4*x+4 : 4*x+4]
			o[0] = clamp8((y1 + 91881*cr) >> 16)
			o[1] = clamp8((y1 - 22554*cb - 46802*cr) >> 16)
			o[2] = clamp8((y1 + 116130*cb) >> 16)
			o[3] = 0xff
		}
	}
}

// imageToRGBA writes img into dst, which has img's size.
func imageToRGBA(dst *image.RGBA, img image.Image) {
	switch m := img.(type) {
	case *image.YCbCr:
		if hs, vs, ok := chromaShifts(m.SubsampleRatio); ok && m.Rect.Min == (image.Point{}) {
			ycbcrToRGBA(dst, m, hs, vs)
			return
		}
	case *image.Gray:
		if m.Rect.Min == (image.Point{}) {
			greyToRGBA(dst, m.Pix, m.Stride)
			return
		}
	}
	draw.Draw(dst, dst.Rect, img, img.Bounds().Min, draw.Src)
}

// imageToGray writes the luma of img into dst, which has img's size. For
// YCbCr the Y plane is copied as is (JFIF luma is already full range).
func imageToGray(dst *image.Gray, img image.Image) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		if m.Rect.Min == (image.Point{}) {
			for y := 0; y < h; y++ {
				copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], m.Y[y*m.YStride:])
			}
			return
		}
	case *image.Gray:
		if m.Rect.Min == (image.Point{}) {
			for y := 0; y < h; y++ {
				copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], m.Pix[y*m.Stride:])
			}
			return
		}
	}
	draw.Draw(dst, dst.Rect, img, img.Bounds().Min, draw.Src)
}
