package tflite

// gemm computes C = clamp(A·B + bias) for A of m rows of k floats, B packed
// in pw, writing rows of ldc floats: the columns of weight panels [p0,p1)
// (all panels: 0, ceil(pw.n/gemmNR)).
//
// The loop runs over weight panels, then over blocks of gemmMaxRows rows of
// A: one panel (k×gemmNR floats, 32 KB at k = 512) stays in L1 while the
// rows of A stream past it. Full panels are written straight into C; the
// last panel of an N that is not a multiple of gemmNR goes through a
// scratch block, since the kernel always writes gemmNR columns.
func gemm(a []float32, m, k int, pw *packedWeights, p0, p1 int, c []float32, ldc int, lo, hi float32) {
	n := pw.n
	var tmp [gemmMaxRows * gemmNR]float32
	for p := p0; p < p1; p++ {
		panel := pw.panels[p*k*gemmNR : (p+1)*k*gemmNR]
		bias := pw.bias[p*gemmNR : (p+1)*gemmNR]
		cols := min(gemmNR, n-p*gemmNR)
		for i := 0; i < m; i += gemmMaxRows {
			rows := min(gemmMaxRows, m-i)
			if cols == gemmNR {
				gemmKernel(k, a[i*k:], k, panel, bias, c[i*ldc+p*gemmNR:], ldc, rows, lo, hi)
				continue
			}
			gemmKernel(k, a[i*k:], k, panel, bias, tmp[:], gemmNR, rows, lo, hi)
			for r := 0; r < rows; r++ {
				copy(c[(i+r)*ldc+p*gemmNR:][:cols], tmp[r*gemmNR:][:cols])
			}
		}
	}
}
