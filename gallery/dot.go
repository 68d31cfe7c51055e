package gallery

// dot returns the dot product of a and b over len(a) elements; b must be at
// least as long. Four accumulators over eight lanes keep the FP units busy;
// the loop condition tests both lengths so the compiler proves every index
// in range and emits no bounds checks in the loop body (verify with
// go build -gcflags=-d=ssa/check_bce ./gallery).
func dot(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(a) >= 8 && len(b) >= 8 {
		s0 += a[0]*b[0] + a[4]*b[4]
		s1 += a[1]*b[1] + a[5]*b[5]
		s2 += a[2]*b[2] + a[6]*b[6]
		s3 += a[3]*b[3] + a[7]*b[7]
		a, b = a[8:], b[8:]
	}
	for len(a) > 0 && len(b) > 0 {
		s0 += a[0] * b[0]
		a, b = a[1:], b[1:]
	}
	return (s0 + s1) + (s2 + s3)
}
