//go:build purego || !amd64

package tflite

// i8AddHasAVX2 is false without the amd64 kernel.
var i8AddHasAVX2 = false

// i8AddRow is the portable row kernel on other architectures.
func i8AddRow(a, b, out []int8, p *i8AddParams) { i8AddRowGo(a, b, out, p) }

// i8MaxRow is the portable loop on other architectures.
func i8MaxRow(o, p []int8) { i8MaxRowGo(o, p) }
