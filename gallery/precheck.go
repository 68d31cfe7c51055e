package gallery

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt trusts its file: a damaged page id or count makes it read outside
// its memory map (a fatal fault recover cannot catch) or allocate without
// bound. precheckFile therefore validates, from plain file reads, what
// bbolt dereferences before any of our code runs: the meta pages it will
// pick and the freelist. The rest of the tree is walked afterwards with
// debug.SetPanicOnFault on, so a bad page there becomes a recoverable panic.
//
// Layout (bbolt v1.5.0, internal/common, little-endian on every target we
// build for): page header = id u64, flags u16, count u16, overflow u32;
// meta (after the header) = magic u32, version u32, pageSize u32, flags u32,
// root {pgid u64, sequence u64}, freelist u64, pgid u64, txid u64,
// checksum u64 (FNV-64a of the preceding 56 bytes).

const (
	boltMagic         = 0xED0CDAED
	boltVersion       = 2
	boltPageHeader    = 16
	boltMetaLen       = 64
	boltFreelistFlag  = 0x10
	boltNoFreelist    = ^uint64(0)
	boltMinPageSize   = 512
	boltMaxPageSize   = 1 << 16
	boltFreelistLimit = 1 << 24 // page ids; far above any gallery we hold
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

func parseBoltMeta(page []byte) (boltMeta, error) {
	var m boltMeta
	if len(page) < boltPageHeader+boltMetaLen {
		return m, errors.New("short meta page")
	}
	b := page[boltPageHeader : boltPageHeader+boltMetaLen]
	le := binary.LittleEndian
	if le.Uint32(b) != boltMagic {
		return m, errors.New("bad magic")
	}
	if v := le.Uint32(b[4:]); v != boltVersion {
		return m, fmt.Errorf("file format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if h.Sum64() != le.Uint64(b[56:]) {
		return m, errors.New("meta checksum mismatch")
	}
	m.pageSize = le.Uint32(b[8:])
	m.root = le.Uint64(b[16:])
	m.freelist = le.Uint64(b[32:])
	m.pgid = le.Uint64(b[40:])
	m.txid = le.Uint64(b[48:])
	return m, nil
}

// precheckFile validates the parts of a bbolt file that bbolt uses without
// bounds checks. Failures wrap ErrCorrupt. rollback is non-nil when exactly
// one meta page is damaged: bbolt then silently opens the other one, which
// may be the transaction before the last (a torn write at power loss, or a
// damaged page that would undo an acknowledged change such as a revoke).
func precheckFile(path string) (rollback, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	read := func(off int64, n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := f.ReadAt(b, off)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: file ends at %d, before offset %d", ErrCorrupt, size, off+int64(n))
		}
		return b, err
	}
	// bbolt picks the valid meta page with the higher txid; page 1 sits at
	// the page size recorded in page 0 (or the OS page size if page 0 is bad).
	p0, err := read(0, boltPageHeader+boltMetaLen)
	if err != nil {
		return nil, err
	}
	m0, err0 := parseBoltMeta(p0)
	ps := int64(os.Getpagesize())
	if err0 == nil {
		ps = int64(m0.pageSize)
	}
	if ps < boltMinPageSize || ps > boltMaxPageSize || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("%w: page size %d", ErrCorrupt, ps)
	}
	p1, err := read(ps, boltPageHeader+boltMetaLen)
	if err != nil {
		return nil, err
	}
	m1, err1 := parseBoltMeta(p1)
	var m boltMeta
	switch {
	case err0 != nil && err1 != nil:
		return nil, fmt.Errorf("%w: both meta pages invalid: %v; %v", ErrCorrupt, err0, err1)
	case err0 != nil:
		m, rollback = m1, fmt.Errorf("meta page 0 damaged (%v); opened transaction %d from meta page 1", err0, m1.txid)
	case err1 != nil:
		m, rollback = m0, fmt.Errorf("meta page 1 damaged (%v); opened transaction %d from meta page 0", err1, m0.txid)
	case m1.txid > m0.txid:
		m = m1
	default:
		m = m0
	}
	if int64(m.pageSize) != ps {
		return nil, fmt.Errorf("%w: meta page sizes differ (%d, %d)", ErrCorrupt, ps, m.pageSize)
	}
	if m.pgid < 3 || m.pgid > uint64(size/ps) {
		return nil, fmt.Errorf("%w: high-water page %d beyond the file's %d pages (truncated?)", ErrCorrupt, m.pgid, size/ps)
	}
	if m.root < 2 || m.root >= m.pgid {
		return nil, fmt.Errorf("%w: root page %d outside 2..%d", ErrCorrupt, m.root, m.pgid-1)
	}
	if m.freelist == boltNoFreelist {
		return rollback, nil
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return nil, fmt.Errorf("%w: freelist page %d outside 2..%d", ErrCorrupt, m.freelist, m.pgid-1)
	}
	hdr, err := read(int64(m.freelist)*ps, boltPageHeader+8)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	flags, count, overflow := le.Uint16(hdr[8:]), uint64(le.Uint16(hdr[10:])), uint64(le.Uint32(hdr[12:]))
	if flags != boltFreelistFlag {
		return nil, fmt.Errorf("%w: freelist page %d has flags %#x", ErrCorrupt, m.freelist, flags)
	}
	if m.freelist+overflow >= m.pgid {
		return nil, fmt.Errorf("%w: freelist overflows past the high-water page", ErrCorrupt)
	}
	idx := uint64(0)
	if count == 0xFFFF {
		idx, count = 1, le.Uint64(hdr[16:])
	}
	capacity := ((overflow+1)*uint64(ps) - boltPageHeader) / 8
	if count > boltFreelistLimit || idx+count > capacity {
		return nil, fmt.Errorf("%w: freelist count %d exceeds its %d-page extent", ErrCorrupt, count, overflow+1)
	}
	ids, err := read(int64(m.freelist)*ps+boltPageHeader+int64(idx*8), int(count*8))
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(ids); i += 8 {
		if id := le.Uint64(ids[i:]); id < 2 || id >= m.pgid {
			return nil, fmt.Errorf("%w: freelist names page %d outside 2..%d", ErrCorrupt, id, m.pgid-1)
		}
	}
	return rollback, nil
}
