package door

import "time"

// Clock is the time source of the controller. Timers that decide behaviour
// (release, held-open, debounce) are all measured with it, so tests can use
// a fake (doortest.Clock).
type Clock interface {
	// Now returns the current time, with a monotonic reading.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
