//go:build purego || !(amd64 || arm64 || arm)

package tflite

// Without SIMD code (other architectures, or the purego build tag) the int8
// kernels are their portable definitions.

func gemmS8(a []int8, lda, rows int, p *s8Panels, c []int32, ldc int) {
	gemmS8Go(a, lda, rows, p, c, ldc)
}

func requantFP32(acc, bias []int32, scale []float32, zp, lo, hi int32, out []int8) {
	requantFP32Go(acc, bias, scale, zp, lo, hi, out)
}

func requantFixed(acc, bias, mult, shift []int32, zp, lo, hi int32, out []int8) {
	requantFixedGo(acc, bias, mult, shift, zp, lo, hi, out)
}

func dwS8Tap(acc []int32, p, w []int8, n, c, pstride int) {
	dwS8TapGo(acc, p, w, n, c, pstride)
}

// The portable definition is the only gemmS8 path here.
const s8PathGo = 0

var (
	s8PathNames = [...]string{"go"}
	s8Path      = s8PathGo
)

func s8Paths() []int { return []int{s8PathGo} }

func lutS8(out, x, lut []int8, n, c int) { lutS8Go(out, x, lut, n, c) }

func gemmS8Requant(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	gemmS8RequantSplit(a, lda, rows, p, bias, scale, zp, lo, hi, out, ldo, acc)
}
