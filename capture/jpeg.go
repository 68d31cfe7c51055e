package capture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEG marker codes (ITU-T T.81, table B.1).
const (
	markerSOI  = 0xd8
	markerEOI  = 0xd9
	markerSOS  = 0xda
	markerDHT  = 0xc4
	markerTEM  = 0x01
	markerRST0 = 0xd0
	markerRST7 = 0xd7
)

// ErrJPEG reports bytes that are not a well-formed JPEG stream.
var ErrJPEG = errors.New("malformed JPEG")

// DecodeJPEG decodes one JPEG or Motion-JPEG frame. Many UVC cameras omit
// the Huffman tables and rely on the default ones of T.81 annex K.3 (the
// AVI1 convention); DecodeJPEG inserts them when a frame has none.
func DecodeJPEG(data []byte) (image.Image, error) {
	sos, hasDHT, err := scanHeader(data)
	if err != nil {
		return nil, fmt.Errorf("decode JPEG frame (%d bytes): %w", len(data), err)
	}
	if !hasDHT {
		fixed := make([]byte, 0, len(data)+len(defaultDHT))
		fixed = append(fixed, data[:sos]...)
		fixed = append(fixed, defaultDHT...)
		data = append(fixed, data[sos:]...)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode JPEG frame (%d bytes): %w", len(data), err)
	}
	return img, nil
}

// scanHeader walks the marker segments from SOI to the first SOS and returns
// the offset of that SOS marker and whether a DHT segment came before it.
func scanHeader(data []byte) (sos int, hasDHT bool, err error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return 0, false, fmt.Errorf("%w: no SOI marker at offset 0", ErrJPEG)
	}
	p := 2
	for {
		m, at, next, err := nextMarker(data, p)
		if err != nil {
			return 0, false, err
		}
		switch {
		case m == markerSOS:
			return at, hasDHT, nil
		case m == markerDHT:
			hasDHT = true
		case m == markerEOI:
			return 0, false, fmt.Errorf("%w: EOI before any scan at offset %d", ErrJPEG, at)
		}
		p = next
	}
}

// errShort means the marker segment at hand runs past the end of the data.
var errShort = errors.New("JPEG data ends inside a marker segment")

// nextMarker parses the marker at data[p:] (fill bytes allowed) and returns
// the marker code, its offset, and the offset just past its segment. It does
// not look into entropy-coded data.
func nextMarker(data []byte, p int) (m byte, at, next int, err error) {
	if p >= len(data) {
		return 0, 0, 0, errShort
	}
	if data[p] != 0xff {
		return 0, 0, 0, fmt.Errorf("%w: byte 0x%02x at offset %d where a marker was expected", ErrJPEG, data[p], p)
	}
	at = p
	for p < len(data) && data[p] == 0xff { // fill bytes
		p++
	}
	if p >= len(data) {
		return 0, 0, 0, errShort
	}
	m = data[p]
	p++
	if m == 0 {
		return 0, 0, 0, fmt.Errorf("%w: stuffed byte 0xff00 at offset %d outside a scan", ErrJPEG, at)
	}
	if m == markerSOI || m == markerEOI || m == markerTEM || (m >= markerRST0 && m <= markerRST7) {
		return m, at, p, nil // no length field
	}
	if p+2 > len(data) {
		return 0, 0, 0, errShort
	}
	n := int(data[p])<<8 | int(data[p+1])
	if n < 2 {
		return 0, 0, 0, fmt.Errorf("%w: marker 0x%02x at offset %d has length %d", ErrJPEG, m, at, n)
	}
	if p+n > len(data) {
		return 0, 0, 0, errShort
	}
	return m, at, p + n, nil
}

// skipScan returns the offset of the first marker after the entropy-coded
// data that starts at p: an 0xff not followed by 0x00 (stuffing), 0xff
// (fill) or RSTn.
func skipScan(data []byte, p int) (int, bool) {
	for {
		i := bytes.IndexByte(data[p:], 0xff)
		if i < 0 || p+i+1 >= len(data) {
			return 0, false
		}
		p += i
		switch c := data[p+1]; {
		case c == 0x00, c == 0xff, c >= markerRST0 && c <= markerRST7:
			p++
		default:
			return p, true
		}
	}
}

// jpegLen returns the length of the JPEG frame that starts with SOI at
// data[0] (through its EOI). complete is false when more data is needed.
// Marker segments are followed properly, so an embedded thumbnail (EXIF)
// with its own SOI/EOI does not end the frame early.
func jpegLen(data []byte) (n int, complete bool, err error) {
	p := 2
	for {
		m, at, next, err := nextMarker(data, p)
		if errors.Is(err, errShort) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		switch m {
		case markerEOI:
			return next, true, nil
		case markerSOI:
			return 0, false, fmt.Errorf("%w: SOI at offset %d inside a frame without EOI", ErrJPEG, at)
		case markerSOS:
			q, ok := skipScan(data, next)
			if !ok {
				return 0, false, nil
			}
			next = q
		}
		p = next
	}
}

// Splitter cuts a Motion-JPEG stream (concatenated JPEG files, as written by
// many cameras and `ffmpeg -f mjpeg`) into frames. Its Split method is a
// bufio.SplitFunc; bytes between frames are skipped. Offset tracks the
// stream position for error messages.
type Splitter struct {
	// Offset is the stream offset of the first byte not yet consumed.
	Offset int64
}

// Split implements bufio.SplitFunc. A frame cut off by the end of the stream
// is an error naming its offset.
func (s *Splitter) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := 0
	for {
		j := bytes.IndexByte(data[i:], 0xff)
		if j < 0 {
			i = len(data)
			break
		}
		i += j
		if i+1 >= len(data) {
			break // keep the 0xff: the next read may complete the SOI
		}
		if data[i+1] == markerSOI {
			break
		}
		i++
	}
	skip := i
	if skip == len(data) || skip+1 >= len(data) {
		if atEOF {
			s.Offset += int64(len(data))
			return len(data), nil, nil // trailing bytes that are no frame
		}
		s.Offset += int64(skip)
		return skip, nil, nil
	}
	n, complete, err := jpegLen(data[skip:])
	if err != nil {
		return 0, nil, fmt.Errorf("frame at offset %d: %w", s.Offset+int64(skip), err)
	}
	if !complete {
		if atEOF {
			return 0, nil, fmt.Errorf("frame at offset %d: %w: truncated (stream ends after %d bytes of it)", s.Offset+int64(skip), ErrJPEG, len(data)-skip)
		}
		s.Offset += int64(skip)
		return skip, nil, nil
	}
	s.Offset += int64(skip + n)
	return skip + n, data[skip : skip+n], nil
}

// defaultDHT is a DHT segment holding the four Huffman tables of T.81 annex
// K.3 (the values below are those of Go's image/jpeg encoder, theHuffmanSpec).
var defaultDHT = buildDHT([]huffSpec{
	{0x00, [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{0x10, [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, []byte{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa}},
	{0x01, [16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{0x11, [16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, []byte{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa}},
})

// huffSpec is one Huffman table: class<<4|id, code counts per length, values.
type huffSpec struct {
	tcth   byte
	counts [16]byte
	values []byte
}

func buildDHT(specs []huffSpec) []byte {
	n := 2
	for _, s := range specs {
		n += 1 + 16 + len(s.values)
	}
	b := []byte{0xff, markerDHT, byte(n >> 8), byte(n)}
	for _, s := range specs {
		b = append(b, s.tcth)
		b = append(b, s.counts[:]...)
		b = append(b, s.values...)
	}
	return b
}

// jpegSize returns the frame size from the first SOFn segment, without
// decoding.
func jpegSize(data []byte) (w, h int, err error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return 0, 0, fmt.Errorf("%w: no SOI marker at offset 0", ErrJPEG)
	}
	p := 2
	for {
		m, at, next, err := nextMarker(data, p)
		if errors.Is(err, errShort) {
			return 0, 0, fmt.Errorf("%w: no SOF segment before the end of the data", ErrJPEG)
		}
		if err != nil {
			return 0, 0, err
		}
		switch {
		case m >= 0xc0 && m <= 0xcf && m != markerDHT && m != 0xc8 && m != 0xcc: // SOFn
			if next-at < 9 {
				return 0, 0, fmt.Errorf("%w: SOF segment at offset %d too short", ErrJPEG, at)
			}
			h = int(data[at+5])<<8 | int(data[at+6])
			w = int(data[at+7])<<8 | int(data[at+8])
			if w == 0 || h == 0 {
				return 0, 0, fmt.Errorf("%w: frame size %dx%d at offset %d", ErrJPEG, w, h, at)
			}
			return w, h, nil
		case m == markerSOS || m == markerEOI:
			return 0, 0, fmt.Errorf("%w: no SOF segment before offset %d", ErrJPEG, at)
		}
		p = next
	}
}
