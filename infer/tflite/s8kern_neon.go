//go:build (arm || arm64) && !purego

package tflite

// NEON int8 kernels shared by arm64 and armv7 (s8kern_arm64.s and
// s8kern_arm.s implement them for each): requantization and the depthwise
// tap. s8Path is set by each architecture's file.

//go:noescape
func s8RequantFP32NEON(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)

//go:noescape
func s8DwTapNEON(acc *int32, p, w *int8, n, c16, c, pstride int)

func requantFP32(acc, bias []int32, scale []float32, zp, lo, hi int32, out []int8) {
	n := len(out)
	n8 := n &^ 7
	if n8 == 0 || s8Path == s8PathGo {
		requantFP32Go(acc, bias, scale, zp, lo, hi, out)
		return
	}
	acc, bias, scale = acc[:n], bias[:n], scale[:n] // bounds checks before the assembly
	s8RequantFP32NEON(&acc[0], &bias[0], &scale[0], &out[0], n8, zp, float32(lo-zp), float32(hi-zp))
	if n8 < n {
		requantFP32Go(acc[n8:], bias[n8:], scale[n8:], zp, lo, hi, out[n8:])
	}
}

func requantFixed(acc, bias, mult, shift []int32, zp, lo, hi int32, out []int8) {
	requantFixedGo(acc, bias, mult, shift, zp, lo, hi, out)
}

func dwS8Tap(acc []int32, p, w []int8, n, c, pstride int) {
	c16 := c &^ 15
	if n <= 0 || c16 == 0 || s8Path == s8PathGo {
		dwS8TapGo(acc, p, w, n, c, pstride)
		return
	}
	s8CheckDw(acc, p, w, n, c, pstride)
	s8DwTapNEON(&acc[0], &p[0], &w[0], n, c16, c, pstride)
	if c16 < c {
		w = w[:c]
		for i := 0; i < n; i++ {
			o := acc[i*c+c16 : i*c+c]
			pp := p[i*pstride+c16 : i*pstride+c]
			for j := range o {
				o[j] += int32(pp[j]) * int32(w[c16+j])
			}
		}
	}
}

func lutS8(out, x, lut []int8, n, c int) { lutS8Go(out, x, lut, n, c) }
