package gallery

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on the sizes of identifiers and names, in bytes.
const (
	// MaxIDLen is the longest person id accepted.
	MaxIDLen = 128
	// MaxNameLen is the longest display name accepted.
	MaxNameLen = 256
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotFound reports that no person has the given id.
	ErrNotFound = errors.New("gallery: person not found")
	// ErrInvalidPerson reports a person record that cannot be stored
	// (empty or oversized id or name, control characters, bad window).
	ErrInvalidPerson = errors.New("gallery: invalid person")
	// ErrInvalidTemplate reports an embedding that cannot be stored or
	// searched (wrong dimension, NaN or infinite values, zero norm).
	ErrInvalidTemplate = errors.New("gallery: invalid template")
	// ErrTooManyTemplates reports an enrollment that would exceed the
	// configured templates per person.
	ErrTooManyTemplates = errors.New("gallery: too many templates for person")
	// ErrStaleVersion reports an update whose version is below the stored one.
	ErrStaleVersion = errors.New("gallery: version older than stored")
)

// Person is an enrolled person's metadata. Templates are passed separately.
type Person struct {
	// ID identifies the person across the site (1..MaxIDLen bytes of
	// printable UTF-8). It is stored in plaintext as a key.
	ID string
	// Name is the display name shown in events and the CLI (may be empty).
	Name string
	// ValidFrom is the first instant the person may match; zero means no
	// lower bound. The window is half-open: [ValidFrom, ValidUntil).
	ValidFrom time.Time
	// ValidUntil is the first instant the person no longer matches; zero
	// means no upper bound.
	ValidUntil time.Time
	// Revoked disables the person: revoked persons never match.
	Revoked bool
	// Version is the admin's version of this person record, compared in
	// resync manifests. Zero in an update means "stored version + 1".
	Version uint64
	// UpdatedAt is when the store last changed this person; set by the store.
	UpdatedAt time.Time
}

// Limits of time.Time.UnixNano; windows outside them are rejected.
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64-1)
)

// Validate reports whether p can be stored.
func (p Person) Validate() error {
	if err := validText("id", p.ID, 1, MaxIDLen); err != nil {
		return err
	}
	if err := validText("name", p.Name, 0, MaxNameLen); err != nil {
		return fmt.Errorf("person %q: %w", p.ID, err)
	}
	for _, t := range []struct {
		name string
		v    time.Time
	}{{"valid_from", p.ValidFrom}, {"valid_until", p.ValidUntil}} {
		if !t.v.IsZero() && (t.v.Before(minTime) || t.v.After(maxTime)) {
			return fmt.Errorf("%w: person %q: %s %s outside years 1678..2262", ErrInvalidPerson, p.ID, t.name, t.v)
		}
	}
	if !p.ValidFrom.IsZero() && !p.ValidUntil.IsZero() && !p.ValidUntil.After(p.ValidFrom) {
		return fmt.Errorf("%w: person %q: valid_until %s is not after valid_from %s", ErrInvalidPerson, p.ID,
			p.ValidUntil.UTC().Format(time.RFC3339), p.ValidFrom.UTC().Format(time.RFC3339))
	}
	return nil
}

func validText(field, s string, minLen, maxLen int) error {
	if len(s) < minLen {
		return fmt.Errorf("%w: %s is empty", ErrInvalidPerson, field)
	}
	if len(s) > maxLen {
		return fmt.Errorf("%w: %s is %d bytes, at most %d allowed", ErrInvalidPerson, field, len(s), maxLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidPerson, field, s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %s %q contains a non-printable character %U", ErrInvalidPerson, field, s, r)
		}
	}
	return nil
}

// window returns the validity window as Unix nanoseconds with the open ends
// widened to the int64 limits, so eligibility is two comparisons.
func (p Person) window() (from, until int64) {
	from, until = math.MinInt64, math.MaxInt64
	if !p.ValidFrom.IsZero() {
		from = p.ValidFrom.UnixNano()
	}
	if !p.ValidUntil.IsZero() {
		until = p.ValidUntil.UnixNano()
	}
	return from, until
}

// normalize checks an embedding of dimension dim and returns an
// L2-normalised copy of it.
func normalize(v []float32, dim int) ([]float32, error) {
	if len(v) != dim {
		return nil, fmt.Errorf("%w: %d values, want %d", ErrInvalidTemplate, len(v), dim)
	}
	var ss float64
	for i, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: value %d is %v", ErrInvalidTemplate, i, x)
		}
		ss += f * f
	}
	if ss < 1e-12 || math.IsInf(ss, 0) {
		return nil, fmt.Errorf("%w: norm %.3g cannot be normalised", ErrInvalidTemplate, math.Sqrt(ss))
	}
	inv := 1 / math.Sqrt(ss)
	out := make([]float32, dim)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// normalizeAll applies normalize to each template, naming the bad one.
func normalizeAll(ts [][]float32, dim int) ([][]float32, error) {
	out := make([][]float32, len(ts))
	for i, t := range ts {
		n, err := normalize(t, dim)
		if err != nil {
			return nil, fmt.Errorf("template %d: %w", i, err)
		}
		out[i] = n
	}
	return out, nil
}
