//go:build !purego

package gallery

import "golang.org/x/sys/cpu"

// dotsNEON sets out[i] = Σ_j q[j]·t[i·stride+j] for i < n with NEON
// SMULL/SMLAL2 (two products per int16 lane, safe for codes within ±127)
// and SADALP. stride is a positive multiple of 32; q holds stride codes, t
// n·stride, out n values.
//
//go:noescape
func dotsNEON(q *int8, t *int8, stride, n int, out *int32)

// dotsSDOT is dotsNEON with the Armv8.2 dot-product instruction SDOT;
// stride is a positive multiple of 64.
//
//go:noescape
func dotsSDOT(q *int8, t *int8, stride, n int, out *int32)

// dots8 is the int8 kernel searches use: the best this CPU has.
var dots8 = pick8()

func pick8() kernel8 {
	ks := kernels8()
	return ks[len(ks)-1]
}

// kernels8 lists the int8 kernels this CPU can run, portable first and
// fastest last.
func kernels8() []kernel8 {
	ks := []kernel8{kernGo, kernNEON}
	if cpu.ARM64.HasASIMDDP {
		ks = append(ks, kernSDOT)
	}
	return ks
}

// run calls the kernel.
func (kn kernel8) run(k *query8, t []int8, meta []qmeta, out []int32) {
	switch kn {
	case kernSDOT:
		dots8SDOT(k, t, meta, out)
	case kernNEON:
		dots8NEON(k, t, meta, out)
	default:
		dots8Go(k, t, meta, out)
	}
}

// check8 panics unless the slices hold what a kernel will touch; the asm
// must never read or write outside them.
func check8(k *query8, t []int8, meta []qmeta, out []int32) {
	if k.stride <= 0 || k.stride%64 != 0 || k.stride > maxDim8 || len(t) < len(out)*k.stride || len(meta) < len(out) {
		panic("gallery: int8 kernel called with inconsistent slices")
	}
}

func dots8NEON(k *query8, t []int8, meta []qmeta, out []int32) {
	check8(k, t, meta, out)
	if len(out) == 0 {
		return
	}
	dotsNEON(&k.p[0], &t[0], k.stride, len(out), &out[0])
}

func dots8SDOT(k *query8, t []int8, meta []qmeta, out []int32) {
	check8(k, t, meta, out)
	if len(out) == 0 {
		return
	}
	dotsSDOT(&k.p[0], &t[0], k.stride, len(out), &out[0])
}
