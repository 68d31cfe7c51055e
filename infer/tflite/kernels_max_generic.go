//go:build purego || !(amd64 || arm64)

package tflite

// maxRow runs its portable definition (kernels.go) where no SIMD version
// exists yet.
func maxRow(o, a, b []float32) { maxRowGo(o, a, b) }
