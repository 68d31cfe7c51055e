package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
)

// fb is a bounds-checked reader of the FlatBuffers wire format, enough for
// the tables of the TFLite schema. We read the few tables we need by hand
// instead of generating code with flatc: generated accessors trust the
// buffer and panic on a hostile offset, while every read here is checked and
// turns into an error naming what was wrong.
type fb struct {
	b []byte
}

// table is a decoded table position: pos is the table start, vt the vtable
// start and vtLen the vtable length in bytes.
type table struct {
	pos, vt, vtLen int
}

func (f *fb) u8(p int) (uint8, error) {
	if p < 0 || p+1 > len(f.b) {
		return 0, fmt.Errorf("offset %d: byte out of range (file %d bytes)", p, len(f.b))
	}
	return f.b[p], nil
}

func (f *fb) u16(p int) (uint16, error) {
	if p < 0 || p+2 > len(f.b) {
		return 0, fmt.Errorf("offset %d: uint16 out of range (file %d bytes)", p, len(f.b))
	}
	return binary.LittleEndian.Uint16(f.b[p:]), nil
}

func (f *fb) u32(p int) (uint32, error) {
	if p < 0 || p+4 > len(f.b) {
		return 0, fmt.Errorf("offset %d: uint32 out of range (file %d bytes)", p, len(f.b))
	}
	return binary.LittleEndian.Uint32(f.b[p:]), nil
}

func (f *fb) u64(p int) (uint64, error) {
	if p < 0 || p+8 > len(f.b) {
		return 0, fmt.Errorf("offset %d: uint64 out of range (file %d bytes)", p, len(f.b))
	}
	return binary.LittleEndian.Uint64(f.b[p:]), nil
}

// table reads the table whose position is p.
func (f *fb) table(p int) (table, error) {
	so, err := f.u32(p)
	if err != nil {
		return table{}, fmt.Errorf("table: %w", err)
	}
	vt := p - int(int32(so))
	vtLen, err := f.u16(vt)
	if err != nil {
		return table{}, fmt.Errorf("table at %d: vtable: %w", p, err)
	}
	if vtLen < 4 || vtLen%2 != 0 || vt+int(vtLen) > len(f.b) {
		return table{}, fmt.Errorf("table at %d: bad vtable length %d", p, vtLen)
	}
	tLen, _ := f.u16(vt + 2)
	if p+int(tLen) > len(f.b) {
		return table{}, fmt.Errorf("table at %d: length %d past end of file", p, tLen)
	}
	return table{pos: p, vt: vt, vtLen: int(vtLen)}, nil
}

// field returns the absolute position of field i of t, or 0 if absent.
func (f *fb) field(t table, i int) int {
	o := 4 + 2*i
	if o+2 > t.vtLen {
		return 0
	}
	off := int(binary.LittleEndian.Uint16(f.b[t.vt+o:]))
	if off == 0 {
		return 0
	}
	return t.pos + off
}

func (f *fb) fieldU8(t table, i int, def uint8) (uint8, error) {
	p := f.field(t, i)
	if p == 0 {
		return def, nil
	}
	return f.u8(p)
}

func (f *fb) fieldBool(t table, i int) (bool, error) {
	v, err := f.fieldU8(t, i, 0)
	return v != 0, err
}

func (f *fb) fieldI32(t table, i int, def int32) (int32, error) {
	p := f.field(t, i)
	if p == 0 {
		return def, nil
	}
	v, err := f.u32(p)
	return int32(v), err
}

func (f *fb) fieldU32(t table, i int, def uint32) (uint32, error) {
	p := f.field(t, i)
	if p == 0 {
		return def, nil
	}
	return f.u32(p)
}

func (f *fb) fieldU64(t table, i int, def uint64) (uint64, error) {
	p := f.field(t, i)
	if p == 0 {
		return def, nil
	}
	return f.u64(p)
}

func (f *fb) fieldF32(t table, i int, def float32) (float32, error) {
	p := f.field(t, i)
	if p == 0 {
		return def, nil
	}
	v, err := f.u32(p)
	return math.Float32frombits(v), err
}

// indirect follows the uoffset stored at p.
func (f *fb) indirect(p int) (int, error) {
	o, err := f.u32(p)
	if err != nil {
		return 0, err
	}
	q := p + int(o)
	if q >= len(f.b) || q < 0 {
		return 0, fmt.Errorf("offset %d: reference to %d past end of file (%d bytes)", p, q, len(f.b))
	}
	return q, nil
}

// vector returns the element start and length of the vector referenced by
// field i of t, with elements of elemSize bytes; ok is false if absent.
func (f *fb) vector(t table, i, elemSize int) (start, n int, ok bool, err error) {
	p := f.field(t, i)
	if p == 0 {
		return 0, 0, false, nil
	}
	v, err := f.indirect(p)
	if err != nil {
		return 0, 0, false, err
	}
	l, err := f.u32(v)
	if err != nil {
		return 0, 0, false, err
	}
	start = v + 4
	if uint64(l)*uint64(elemSize) > uint64(len(f.b)-start) {
		return 0, 0, false, fmt.Errorf("vector at %d: %d elements of %d bytes past end of file", v, l, elemSize)
	}
	return start, int(l), true, nil
}

// tableVector returns the tables of the vector of tables in field i of t.
func (f *fb) tableVector(t table, i int) ([]table, error) {
	start, n, ok, err := f.vector(t, i, 4)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]table, n)
	for k := range out {
		p, err := f.indirect(start + 4*k)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", k, err)
		}
		if out[k], err = f.table(p); err != nil {
			return nil, fmt.Errorf("element %d: %w", k, err)
		}
	}
	return out, nil
}

// int32Vector returns the int32 vector in field i of t (nil if absent).
func (f *fb) int32Vector(t table, i int) ([]int32, bool, error) {
	start, n, ok, err := f.vector(t, i, 4)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(binary.LittleEndian.Uint32(f.b[start+4*k:]))
	}
	return out, true, nil
}

// bytesVector returns the ubyte vector in field i of t as a sub-slice of the
// file (no copy).
func (f *fb) bytesVector(t table, i int) ([]byte, error) {
	start, n, ok, err := f.vector(t, i, 1)
	if err != nil || !ok {
		return nil, err
	}
	return f.b[start : start+n : start+n], nil
}

// float32Vector returns the float vector in field i of t.
func (f *fb) float32Vector(t table, i int) ([]float32, error) {
	start, n, ok, err := f.vector(t, i, 4)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]float32, n)
	for k := range out {
		out[k] = math.Float32frombits(binary.LittleEndian.Uint32(f.b[start+4*k:]))
	}
	return out, nil
}

// int64Vector returns the long vector in field i of t.
func (f *fb) int64Vector(t table, i int) ([]int64, error) {
	start, n, ok, err := f.vector(t, i, 8)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]int64, n)
	for k := range out {
		out[k] = int64(binary.LittleEndian.Uint64(f.b[start+8*k:]))
	}
	return out, nil
}

// str returns the string in field i of t ("" if absent).
func (f *fb) str(t table, i int) (string, error) {
	b, err := f.bytesVector(t, i)
	if err != nil {
		return "", err
	}
	const maxName = 4096
	if len(b) > maxName {
		b = b[:maxName]
	}
	return string(b), nil
}

// subTable returns the table referenced by field i of t; ok is false if absent.
func (f *fb) subTable(t table, i int) (table, bool, error) {
	p := f.field(t, i)
	if p == 0 {
		return table{}, false, nil
	}
	q, err := f.indirect(p)
	if err != nil {
		return table{}, false, err
	}
	st, err := f.table(q)
	return st, err == nil, err
}
