// Package doortest provides fakes for testing code that uses package door:
// a fake clock that tests advance by hand, input and output lines with
// error injection and a shared operation trace, and an event recorder.
// Like periph's gpiotest, the fakes expose fields and methods to inject
// events; none of them sleeps.
package doortest

import (
	"fmt"
	"sync"
	"time"

	"github.com/facegate/facegate/door"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// Clock is a fake door.Clock. Time moves only when Advance is called;
// channels returned by After fire when Advance passes their deadline.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	changed chan struct{} // closed and replaced whenever waiters change
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewClock returns a fake clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the fake time once Advance has
// moved it by d or more.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	c.notify()
	return ch
}

// Advance moves the fake time forward by d and fires every After whose
// deadline has passed.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
	c.notify()
}

func (c *Clock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Waiters returns the number of pending After channels.
func (c *Clock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// BlockUntilWaiters waits until at least n After channels are pending,
// which tells a test that the code under test has finished its step and
// is waiting for time to pass. It returns an error if that does not happen
// within timeout of real time (a hung controller), so tests fail instead
// of hanging.
func (c *Clock) BlockUntilWaiters(n int, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got, changed := len(c.waiters), c.changed
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return fmt.Errorf("doortest: %d clock waiters after %v, want %d", got, timeout, n)
		}
	}
}

// Trace records the order of operations on traced lines, shared by
// several Inputs and Outputs ("out LOCK high", "read CONTACT").
type Trace struct {
	mu  sync.Mutex
	ops []string
}

// Add appends one operation.
func (t *Trace) Add(op string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ops = append(t.ops, op)
}

// Ops returns a copy of the operations so far.
func (t *Trace) Ops() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.ops...)
}

// LevelReader is a line whose level can be read, such as a door.Input.
type LevelReader interface {
	Read() (gpio.Level, error)
}

// Input is a fake door.Input. It reads From when set (for example a
// door.PeriphIn of a gpiotest.Pin), otherwise its own level set with Set.
// SetErr makes reads fail.
type Input struct {
	// Name appears in Trace entries.
	Name string
	// From, when set, supplies the level.
	From LevelReader
	// Trace, when set, records every read.
	Trace *Trace

	mu    sync.Mutex
	level gpio.Level
	err   error
	reads int
}

// Set sets the level returned when From is nil.
func (i *Input) Set(l gpio.Level) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.level = l
}

// SetErr makes every read fail with err (nil restores normal reads).
func (i *Input) SetErr(err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.err = err
}

// Reads returns how many reads were attempted.
func (i *Input) Reads() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reads
}

// Read implements door.Input.
func (i *Input) Read() (gpio.Level, error) {
	i.mu.Lock()
	i.reads++
	err, level, from := i.err, i.level, i.From
	i.mu.Unlock()
	i.Trace.Add("read " + i.Name)
	if err != nil {
		return gpio.Low, fmt.Errorf("read %s: %w", i.Name, err)
	}
	if from != nil {
		return from.Read()
	}
	return level, nil
}

// LevelWriter is a line that can be driven, such as a door.Output.
type LevelWriter interface {
	Out(l gpio.Level) error
}

// Output is a fake door.Output that records every level driven and can
// be made to fail. Writes also go to To when set.
type Output struct {
	// Name appears in Trace entries.
	Name string
	// To, when set, also receives every successful write (for example a
	// door.PeriphOut of a gpiotest.Pin).
	To LevelWriter
	// Trace, when set, records every write.
	Trace *Trace

	mu      sync.Mutex
	err     error
	history []gpio.Level
}

// SetErr makes every write fail with err (nil restores normal writes).
func (o *Output) SetErr(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.err = err
}

// History returns the levels successfully driven, oldest first.
func (o *Output) History() []gpio.Level {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]gpio.Level(nil), o.history...)
}

// Out implements door.Output.
func (o *Output) Out(l gpio.Level) error {
	o.mu.Lock()
	err := o.err
	o.mu.Unlock()
	o.Trace.Add(fmt.Sprintf("out %s %v", o.Name, l))
	if err != nil {
		return fmt.Errorf("drive %s: %w", o.Name, err)
	}
	if o.To != nil {
		if err := o.To.Out(l); err != nil {
			return err
		}
	}
	o.mu.Lock()
	o.history = append(o.history, l)
	o.mu.Unlock()
	return nil
}

// Recorder collects door events; pass its OnEvent as door.Options.OnEvent.
type Recorder struct {
	mu     sync.Mutex
	events []door.Event
}

// OnEvent records one event.
func (r *Recorder) OnEvent(e door.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events returns the events recorded so far.
func (r *Recorder) Events() []door.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]door.Event(nil), r.events...)
}

// Kinds returns the kinds of the events recorded so far, in order.
func (r *Recorder) Kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := make([]string, len(r.events))
	for i, e := range r.events {
		k[i] = e.Kind
	}
	return k
}

// Reset forgets the events recorded so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// Pins are gpiotest pins wired as a door's lines, each behind an Input or
// Output so tests can also inject errors and trace the order of
// operations.
type Pins struct {
	Lock                *gpiotest.Pin
	Contact, Exit, Fire *gpiotest.Pin
	LockOut             *Output
	ContactIn, ExitIn   *Input
	FireIn              *Input
	Trace               *Trace
}

// NewPins returns pins named LOCK, CONTACT, REX and FIRE, all Low, sharing
// one Trace.
func NewPins() *Pins {
	p := &Pins{
		Lock:    &gpiotest.Pin{N: "LOCK", Num: 0},
		Contact: &gpiotest.Pin{N: "CONTACT", Num: 1},
		Exit:    &gpiotest.Pin{N: "REX", Num: 2},
		Fire:    &gpiotest.Pin{N: "FIRE", Num: 3},
		Trace:   &Trace{},
	}
	p.LockOut = &Output{Name: "LOCK", To: door.PeriphOut(p.Lock), Trace: p.Trace}
	p.ContactIn = &Input{Name: "CONTACT", From: door.PeriphIn(p.Contact), Trace: p.Trace}
	p.ExitIn = &Input{Name: "REX", From: door.PeriphIn(p.Exit), Trace: p.Trace}
	p.FireIn = &Input{Name: "FIRE", From: door.PeriphIn(p.Fire), Trace: p.Trace}
	return p
}

// Lines returns door lines reading and driving the pins; exit and fire
// are included when withExit and withFire are set.
func (p *Pins) Lines(withExit, withFire bool) *door.Lines {
	l := &door.Lines{Lock: p.LockOut, Contact: p.ContactIn}
	if withExit {
		l.Exit = p.ExitIn
	}
	if withFire {
		l.Fire = p.FireIn
	}
	return l
}
