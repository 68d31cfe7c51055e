package mqtt

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// NewID returns a UUIDv7 (RFC 9562 section 5.7) as a lowercase string: 48
// bits of Unix milliseconds, then 74 random bits. IDs made in the same
// millisecond are unordered; events are ordered by their sequence number.
func NewID(now time.Time) string {
	var u [16]byte
	ms := uint64(now.UnixMilli())
	if now.UnixMilli() < 0 {
		ms = 0
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms)
	copy(u[0:6], ts[2:8])
	if _, err := rand.Read(u[6:]); err != nil {
		// crypto/rand.Read never fails on Linux (Go 1.24+ aborts instead).
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}
