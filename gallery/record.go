package gallery

// Stored record formats. All integers are big-endian except embedding values
// (little-endian IEEE 754 float32, the in-memory layout on every target).
//
// Header (meta bucket, key "header"), authenticated with HMAC-SHA256:
//
//	magic "FGGALLRY" | u16 format version | u16 dim | store id [16] |
//	key id [16] | i64 created (Unix ns) | HMAC-SHA256 [32]
//
// Sealed record (person or template value):
//
//	u8 format version | u8 kind ('P' or 'T') | nonce [12] | AES-256-GCM ciphertext+tag
//
// with associated data
//
//	"facegate/gallery" | u8 version | u8 kind | store id [16] | u16 len | person id | u64 template id
//
// so a record copied to another person, template slot or store fails to open.
//
// Person plaintext:
//
//	u16 len | name | u8 flags (1 revoked, 2 has valid_from, 4 has valid_until) |
//	i64 valid_from | i64 valid_until | u64 version | i64 updated_at | u32 templates
//
// Template plaintext:
//
//	u16 dim | dim × f32 (L2 norm 1 ± 1e-3)

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// FormatVersion is the version of the stored record formats.
const FormatVersion = 1

// MaxDim is the largest embedding dimension a store accepts.
const MaxDim = 4096

// ErrCorrupt reports a stored record that fails authentication or is not
// well formed.
var ErrCorrupt = errors.New("gallery: corrupt record")

// ErrWrongKey reports a store whose key id does not match the device key.
var ErrWrongKey = errors.New("gallery: store was written under a different device key")

const (
	kindPerson   byte = 'P'
	kindTemplate byte = 'T'

	headerMagic = "FGGALLRY"
	headerLen   = 8 + 2 + 2 + 16 + 16 + 8 + 32
	nonceLen    = 12
	tagLen      = 16
	recordOver  = 2 + nonceLen + tagLen // sealed size minus plaintext size
	// maxRecordLen bounds a sealed record (a MaxDim template is the largest)
	// so a damaged length never drives a large allocation.
	maxRecordLen = recordOver + 2 + 4*MaxDim

	flagRevoked  = 1
	flagHasFrom  = 2
	flagHasUntil = 4
)

// keys are the subkeys derived from the device key, one per purpose.
type keys struct {
	aead  cipher.AEAD
	mac   []byte
	keyID [16]byte
}

func deriveKeys(s Secret) (*keys, error) {
	if !s.valid() {
		return nil, errors.New("gallery: no device key")
	}
	derive := func(info string) ([]byte, error) {
		return hkdf.Key(sha256.New, s.b[:], nil, "facegate gallery v1 "+info, 32)
	}
	enc, err := derive("aes-256-gcm")
	if err != nil {
		return nil, err
	}
	mac, err := derive("header-mac")
	if err != nil {
		return nil, err
	}
	id, err := derive("key-id")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &keys{aead: aead, mac: mac}
	copy(k.keyID[:], id)
	return k, nil
}

// header is the decoded store header.
type header struct {
	version uint16
	dim     int
	storeID [16]byte
	keyID   [16]byte
	created time.Time
}

func (k *keys) encodeHeader(h header) []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, headerMagic...)
	b = binary.BigEndian.AppendUint16(b, h.version)
	b = binary.BigEndian.AppendUint16(b, uint16(h.dim))
	b = append(b, h.storeID[:]...)
	b = append(b, h.keyID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.created.UnixNano()))
	m := hmac.New(sha256.New, k.mac)
	m.Write(b)
	return m.Sum(b)
}

// sealEmbedder encodes the embedder identity with a MAC, so a file edit
// cannot make a store accept templates from another model.
func (k *keys) sealEmbedder(id string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte("facegate/gallery/embedder\x00"))
	m.Write([]byte(id))
	return m.Sum([]byte(id))
}

// openEmbedder checks and decodes a sealEmbedder record.
func (k *keys) openEmbedder(b []byte) (string, bool) {
	if len(b) <= 32 || len(b) > maxEmbedder+32 {
		return "", false
	}
	id := b[:len(b)-32]
	if !utf8.Valid(id) {
		return "", false
	}
	return string(id), hmac.Equal(k.sealEmbedder(string(id)), b)
}

// parseHeader decodes a header without checking its MAC.
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) != headerLen {
		return h, fmt.Errorf("%w: header is %d bytes, want %d", ErrCorrupt, len(b), headerLen)
	}
	if string(b[:8]) != headerMagic {
		return h, fmt.Errorf("%w: header magic %q, want %q", ErrCorrupt, b[:8], headerMagic)
	}
	h.version = binary.BigEndian.Uint16(b[8:])
	if h.version != FormatVersion {
		return h, fmt.Errorf("%w: format version %d, this build reads %d", ErrCorrupt, h.version, FormatVersion)
	}
	h.dim = int(binary.BigEndian.Uint16(b[10:]))
	if h.dim < 1 || h.dim > MaxDim {
		return h, fmt.Errorf("%w: header dimension %d outside 1..%d", ErrCorrupt, h.dim, MaxDim)
	}
	copy(h.storeID[:], b[12:28])
	copy(h.keyID[:], b[28:44])
	h.created = time.Unix(0, int64(binary.BigEndian.Uint64(b[44:52])))
	return h, nil
}

// verifyHeader decodes and authenticates a header.
func (k *keys) verifyHeader(b []byte) (header, error) {
	h, err := parseHeader(b)
	if err != nil {
		return h, err
	}
	if h.keyID != k.keyID {
		return h, ErrWrongKey
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write(b[:headerLen-32])
	if !hmac.Equal(m.Sum(nil), b[headerLen-32:]) {
		return h, fmt.Errorf("%w: header MAC mismatch", ErrCorrupt)
	}
	return h, nil
}

// sealer encrypts and authenticates records of one store.
type sealer struct {
	k       *keys
	storeID [16]byte
}

func (s *sealer) ad(kind byte, personID string, tid uint64) []byte {
	b := make([]byte, 0, 16+2+16+2+len(personID)+8)
	b = append(b, "facegate/gallery"...)
	b = append(b, FormatVersion, kind)
	b = append(b, s.storeID[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(personID)))
	b = append(b, personID...)
	return binary.BigEndian.AppendUint64(b, tid)
}

func (s *sealer) seal(kind byte, personID string, tid uint64, plain []byte) ([]byte, error) {
	out := make([]byte, 2+nonceLen, 2+nonceLen+len(plain)+tagLen)
	out[0], out[1] = FormatVersion, kind
	if _, err := rand.Read(out[2:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return s.k.aead.Seal(out, out[2:2+nonceLen], plain, s.ad(kind, personID, tid)), nil
}

// open authenticates and decrypts a sealed record. It never panics on
// arbitrary input.
func (s *sealer) open(kind byte, personID string, tid uint64, rec []byte) ([]byte, error) {
	if len(rec) < recordOver || len(rec) > maxRecordLen {
		return nil, fmt.Errorf("%w: record is %d bytes, outside %d..%d", ErrCorrupt, len(rec), recordOver, maxRecordLen)
	}
	if rec[0] != FormatVersion {
		return nil, fmt.Errorf("%w: record version %d, want %d", ErrCorrupt, rec[0], FormatVersion)
	}
	if rec[1] != kind {
		return nil, fmt.Errorf("%w: record kind %q, want %q", ErrCorrupt, rec[1], kind)
	}
	plain, err := s.k.aead.Open(nil, rec[2:2+nonceLen], rec[2+nonceLen:], s.ad(kind, personID, tid))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (altered, moved to another person, or another key)", ErrCorrupt)
	}
	return plain, nil
}

// personRecord is the stored form of a person.
type personRecord struct {
	Person
	templates uint32
}

func encodePerson(p personRecord) []byte {
	b := make([]byte, 0, 2+len(p.Name)+1+8*4+4)
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Name)))
	b = append(b, p.Name...)
	var flags byte
	var from, until int64
	if p.Revoked {
		flags |= flagRevoked
	}
	if !p.ValidFrom.IsZero() {
		flags |= flagHasFrom
		from = p.ValidFrom.UnixNano()
	}
	if !p.ValidUntil.IsZero() {
		flags |= flagHasUntil
		until = p.ValidUntil.UnixNano()
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, uint64(from))
	b = binary.BigEndian.AppendUint64(b, uint64(until))
	b = binary.BigEndian.AppendUint64(b, p.Version)
	b = binary.BigEndian.AppendUint64(b, uint64(p.UpdatedAt.UnixNano()))
	return binary.BigEndian.AppendUint32(b, p.templates)
}

// decodePerson decodes a person plaintext for id, strictly: every field
// must be in range and no bytes may follow.
func decodePerson(id string, b []byte) (personRecord, error) {
	var p personRecord
	p.ID = id
	if len(b) < 2 {
		return p, fmt.Errorf("%w: person record truncated", ErrCorrupt)
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n > MaxNameLen || len(b) != n+1+8*4+4 {
		return p, fmt.Errorf("%w: person record length %d for name of %d bytes", ErrCorrupt, len(b)+2, n)
	}
	name := b[:n]
	if !utf8.Valid(name) {
		return p, fmt.Errorf("%w: person name is not UTF-8", ErrCorrupt)
	}
	p.Name = string(name)
	b = b[n:]
	flags := b[0]
	if flags&^(flagRevoked|flagHasFrom|flagHasUntil) != 0 {
		return p, fmt.Errorf("%w: person flags %#x", ErrCorrupt, flags)
	}
	p.Revoked = flags&flagRevoked != 0
	from := int64(binary.BigEndian.Uint64(b[1:]))
	until := int64(binary.BigEndian.Uint64(b[9:]))
	if flags&flagHasFrom != 0 {
		p.ValidFrom = time.Unix(0, from)
	} else if from != 0 {
		return p, fmt.Errorf("%w: valid_from set without flag", ErrCorrupt)
	}
	if flags&flagHasUntil != 0 {
		p.ValidUntil = time.Unix(0, until)
	} else if until != 0 {
		return p, fmt.Errorf("%w: valid_until set without flag", ErrCorrupt)
	}
	p.Version = binary.BigEndian.Uint64(b[17:])
	p.UpdatedAt = time.Unix(0, int64(binary.BigEndian.Uint64(b[25:])))
	p.templates = binary.BigEndian.Uint32(b[33:])
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if p.templates == 0 {
		return p, fmt.Errorf("%w: person %q has no templates", ErrCorrupt, id)
	}
	return p, nil
}

func encodeTemplate(v []float32) []byte {
	b := make([]byte, 0, 2+4*len(v))
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// decodeTemplate decodes a template plaintext of dimension dim and checks
// that it is finite and unit length.
func decodeTemplate(b []byte, dim int) ([]float32, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: template truncated", ErrCorrupt)
	}
	d := int(binary.BigEndian.Uint16(b))
	if d != dim || len(b) != 2+4*d {
		return nil, fmt.Errorf("%w: template of %d bytes with dimension %d, want dimension %d", ErrCorrupt, len(b), d, dim)
	}
	v := make([]float32, d)
	var ss float64
	for i := range v {
		x := math.Float32frombits(binary.LittleEndian.Uint32(b[2+4*i:]))
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%w: template value %d is %v", ErrCorrupt, i, x)
		}
		v[i] = x
		ss += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(ss)-1) > 1e-3 {
		return nil, fmt.Errorf("%w: template norm %.6f, want 1", ErrCorrupt, math.Sqrt(ss))
	}
	return v, nil
}

// templateKey is the bbolt key of template tid.
func templateKey(tid uint64) []byte { return binary.BigEndian.AppendUint64(nil, tid) }
