package door

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Sentinel errors of the controller.
var (
	// ErrFireRelease is returned by Grant while fire release holds the
	// door released: the door is already open to everyone, nothing was
	// changed.
	ErrFireRelease = errors.New("door: fire release active, door already released")
	// ErrStopped is returned by Grant after Run has returned.
	ErrStopped = errors.New("door: controller stopped")
	// ErrContactUnknown is returned by IsOpen while the door contact cannot
	// be read (or has not been read yet).
	ErrContactUnknown = errors.New("door: door contact state unknown")
)

// Options are the optional collaborators of a Controller.
type Options struct {
	// Clock is the time source; nil means the system clock.
	Clock Clock
	// Logger receives the controller's logs; nil means slog.Default().
	Logger *slog.Logger
	// OnEvent receives every event, in order, on Run's goroutine. It must
	// not block for long (enqueue to the outbox and return): the lock is
	// not serviced while it runs.
	OnEvent func(Event)
}

// HeldOpen levels reported in State.
const (
	HeldOpenNone     = ""
	HeldOpenPrealarm = "prealarm"
	HeldOpenAlarm    = "alarm"
)

// State is a snapshot of the door for metrics and the UI.
type State struct {
	// Running is true between the start-up lock and shutdown.
	Running bool `json:"running"`
	// Locked is true when the lock output was last driven to its locked
	// level successfully.
	Locked bool `json:"locked"`
	// LockError is the last lock drive error, empty when the last drive
	// succeeded.
	LockError string `json:"lock_error,omitempty"`
	// ContactOK is false while the door contact cannot be read; Open is
	// then the last known position.
	ContactOK bool `json:"contact_ok"`
	// Open is the debounced door position.
	Open bool `json:"open"`
	// Forced is true from a forced_open event until the door closes.
	Forced bool `json:"forced"`
	// HeldOpen is HeldOpenNone, HeldOpenPrealarm or HeldOpenAlarm.
	HeldOpen string `json:"held_open,omitempty"`
	// Fire is true while fire release is active.
	Fire bool `json:"fire"`
	// ReleasedUntil is when the current grant or REX release ends; zero
	// when none is running.
	ReleasedUntil time.Time `json:"released_until,omitzero"`
	// InputErrors lists the inputs that currently fail to read.
	InputErrors []string `json:"input_errors,omitempty"`
}

type grantReq struct {
	reason string
	reply  chan error
}

// Controller is the door state machine. Create it with New or Open, run it
// with Run, and ask it to unlock with Grant. All state changes happen on
// Run's goroutine.
type Controller struct {
	cfg     Config
	hw      Hardware
	clk     Clock
	log     *slog.Logger
	onEvent func(Event)
	lines   *Lines

	reqs    chan grantReq
	done    chan struct{}
	started atomic.Bool

	mu   sync.Mutex
	snap State

	// Owned by Run's goroutine.
	start      time.Time
	locked     bool
	lockErr    error
	released   bool // by grant or REX
	until      time.Time
	reason     string
	passage    bool // the door opened during the current release
	contactOK  bool
	contactDeb debouncer
	open       bool
	openedAt   time.Time
	forced     bool
	prealarm   bool
	alarm      bool
	exitDeb    debouncer
	fireDeb    debouncer
	fire       bool
	inErr      map[string]inputFailure
}

// inputFailure tracks an input that failed to read: okSince is set once
// it reads again, at is when that started.
type inputFailure struct {
	okSince bool
	at      time.Time
}

// New returns a controller for hw configured by cfg. cfg must pass
// Validate.
func New(cfg Config, hw Hardware, opts Options) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if hw.Lock == nil || hw.Contact == nil {
		return nil, errors.New("door: hardware needs a lock and a door contact")
	}
	c := &Controller{
		cfg:     cfg,
		hw:      hw,
		clk:     opts.Clock,
		log:     opts.Logger,
		onEvent: opts.OnEvent,
		reqs:    make(chan grantReq),
		done:    make(chan struct{}),
		inErr:   map[string]inputFailure{},
	}
	if c.clk == nil {
		c.clk = SystemClock{}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("component", "door")
	return c, nil
}

// Open opens cfg's backend (the lock line is requested at its locked
// level first) and returns a controller that owns the lines. Call Close
// after Run has returned.
func Open(cfg Config, opts Options) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lines, err := OpenLines(cfg)
	if err != nil {
		return nil, err
	}
	hw, err := NewHardware(cfg, lines)
	if err != nil {
		_ = lines.Close()
		return nil, err
	}
	c, err := New(cfg, hw, opts)
	if err != nil {
		_ = lines.Close()
		return nil, err
	}
	c.lines = lines
	return c, nil
}

// Close releases the lines opened by Open. Call it after Run has returned
// (Run leaves the lock locked); the hardware then decides the line's level
// (see the package documentation).
func (c *Controller) Close() error { return c.lines.Close() }

// Sim returns the simulated door when the controller was opened with the
// sim backend, nil otherwise.
func (c *Controller) Sim() *Sim {
	if c.lines == nil {
		return nil
	}
	return c.lines.Sim
}

// State returns a snapshot of the door.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap
	s.InputErrors = append([]string(nil), s.InputErrors...)
	return s
}

// IsOpen reports the debounced door position, or ErrContactUnknown while
// the contact cannot be read: a failed read never reads as "closed".
func (c *Controller) IsOpen() (bool, error) {
	s := c.State()
	if !s.Running || !s.ContactOK {
		return s.Open, ErrContactUnknown
	}
	return s.Open, nil
}

// Grant unlocks the door for the release time on behalf of a decision;
// reason is carried in the granted_unlock event (for example the matched
// identity). A grant during a running release restarts the release time.
// It returns ErrFireRelease while fire release holds the door released,
// ErrStopped after Run returned, or the lock drive error. It blocks until
// Run has handled it or ctx is done.
func (c *Controller) Grant(ctx context.Context, reason string) error {
	req := grantReq{reason: reason, reply: make(chan error, 1)}
	select {
	case c.reqs <- req:
	case <-c.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run drives the door until ctx is done. It first drives the lock to its
// locked level (before reading any input), then samples the inputs every
// cfg.Poll. When ctx is done it returns the lock to its locked level —
// unless fire release is active, which no command may override — and
// returns nil; it returns an error if the lock cannot be driven at start
// or at shutdown. Run may be called once.
func (c *Controller) Run(ctx context.Context) error {
	if !c.started.CompareAndSwap(false, true) {
		return errors.New("door: Run called twice")
	}
	defer close(c.done)

	// Safety first: locked before anything is read.
	if err := c.hw.Lock.SetLocked(true); err != nil {
		return fmt.Errorf("door: drive lock to locked level at start: %w", err)
	}
	c.locked = true
	now := c.clk.Now()
	c.start = now
	if c.hw.Fire != nil {
		c.log.Info("fire release input configured: the fire alarm must also release the lock in hardware (cut lock power directly); facegate only follows the input")
	}
	c.readInputs(now, true)
	c.emit(now, Event{Kind: KindStarted})
	if c.fire {
		c.fireOn(now)
	}
	c.publish()

	tick := c.clk.After(c.cfg.Poll)
	for {
		select {
		case <-ctx.Done():
			return c.shutdown()
		case r := <-c.reqs:
			r.reply <- c.grant(c.clk.Now(), r.reason)
			c.publish()
		case <-tick:
			c.poll(c.clk.Now())
			c.publish()
			tick = c.clk.After(c.cfg.Poll)
		}
	}
}

func (c *Controller) shutdown() error {
	now := c.clk.Now()
	defer func() {
		c.mu.Lock()
		c.snap.Running = false
		c.mu.Unlock()
	}()
	if c.fire {
		c.log.Warn("stopping during fire release: leaving the lock released; the hardware fire interlock must hold it released")
		c.emit(now, Event{Kind: KindStopped, Reason: "fire release active: lock left released"})
		return nil
	}
	if err := c.hw.Lock.SetLocked(true); err != nil {
		c.lockErr = err
		c.emit(now, Event{Kind: KindLockError, Err: err.Error(), Reason: "shutdown"})
		return fmt.Errorf("door: drive lock to locked level at shutdown: %w", err)
	}
	wasLocked := c.locked
	c.locked, c.lockErr, c.released = true, nil, false
	if !wasLocked {
		c.emit(now, Event{Kind: KindRelocked, Reason: "shutdown"})
	}
	c.emit(now, Event{Kind: KindStopped})
	return nil
}

func (c *Controller) grant(now time.Time, reason string) error {
	if c.fire {
		return ErrFireRelease
	}
	if err := c.drive(now, false, "grant"); err != nil {
		// Do not leave a half-applied unlock behind.
		_ = c.drive(now, true, "grant failed")
		return fmt.Errorf("door: unlock for grant: %w", err)
	}
	c.release(now, reason)
	c.emit(now, Event{Kind: KindGrantedUnlock, Reason: reason})
	return nil
}

// release starts or restarts a release window.
func (c *Controller) release(now time.Time, reason string) {
	if !c.released {
		c.passage = false
	}
	c.released = true
	c.until = now.Add(c.cfg.Release)
	c.reason = reason
}

// drive sets the lock and records the result; a failure emits lock_error
// once per distinct error.
func (c *Controller) drive(now time.Time, locked bool, why string) error {
	if err := c.hw.Lock.SetLocked(locked); err != nil {
		if c.lockErr == nil || c.lockErr.Error() != err.Error() {
			c.emit(now, Event{Kind: KindLockError, Err: err.Error(), Reason: why})
		}
		c.lockErr = err
		return err
	}
	c.locked, c.lockErr = locked, nil
	return nil
}

func (c *Controller) wantLocked() bool { return !c.fire && !c.released }

func (c *Controller) relock(now time.Time, reason string) {
	c.released = false
	if c.fire {
		return
	}
	if err := c.drive(now, true, reason); err == nil {
		c.emit(now, Event{Kind: KindRelocked, Reason: reason})
	}
}

func (c *Controller) poll(now time.Time) {
	// A failed drive is retried on every poll until it succeeds.
	if c.lockErr != nil {
		want := c.wantLocked()
		if err := c.drive(now, want, "retry"); err == nil && want {
			c.emit(now, Event{Kind: KindRelocked, Reason: "retry after lock error"})
		}
	}
	c.readInputs(now, false)
	c.timers(now)
}

// readInputs samples fire, then the exit button, then the contact, so a
// door opened by fire release or REX in the same poll counts as opened,
// not forced. At start (first) the contact and button take their current
// level without events.
func (c *Controller) readInputs(now time.Time, first bool) {
	if c.hw.Fire != nil {
		active, err := c.hw.Fire.Active()
		if c.inputResult(now, InputFire, err) {
			if first {
				c.fireDeb.set(active)
				c.fire = active // Run applies it after the started event
			} else if c.fireDeb.update(active, now, c.cfg.Fire.Debounce) {
				if active {
					c.fireOn(now)
				} else {
					c.fireOff(now)
				}
			}
		}
	}
	if c.hw.Exit != nil {
		pressed, err := c.hw.Exit.Pressed()
		if c.inputResult(now, InputExit, err) {
			// A button held at start must be released before it counts.
			if c.exitDeb.update(pressed, now, c.cfg.Exit.Debounce) && pressed {
				c.rex(now)
			}
		}
	}
	closed, err := c.hw.Contact.Closed()
	if err != nil {
		c.contactOK = false
	}
	if !c.inputResult(now, InputContact, err) {
		return
	}
	open := !closed
	if !c.contactDeb.init {
		// First good read: take the position as it is.
		c.contactDeb.set(open)
		c.contactOK = true
		c.open = open
		if open {
			c.openedAt = now
		}
		return
	}
	c.contactOK = true
	if c.contactDeb.update(open, now, c.cfg.Contact.Debounce) {
		if open {
			c.opened(now)
		} else {
			c.closed(now)
		}
	}
}

// inputRecovery is how long an input that failed must read without error
// before it counts again (input_ok). It bounds the event rate of a line
// that fails intermittently, and keeps its state unknown until it is
// trustworthy.
const inputRecovery = 500 * time.Millisecond

// inputResult records a read result and reports whether the value may be
// used. Events are emitted on transitions only, so a dead or flapping input
// does not flood the outbox.
func (c *Controller) inputResult(now time.Time, input string, err error) bool {
	st, failing := c.inErr[input]
	if err != nil {
		if !failing {
			c.emit(now, Event{Kind: KindInputError, Input: input, Err: err.Error()})
		}
		c.inErr[input] = inputFailure{}
		switch input {
		case InputContact:
			c.contactDeb.pending = false
		case InputExit:
			c.exitDeb.pending = false
		case InputFire:
			c.fireDeb.pending = false
		}
		return false
	}
	if !failing {
		return true
	}
	if !st.okSince {
		c.inErr[input] = inputFailure{okSince: true, at: now}
		return false
	}
	if now.Sub(st.at) < inputRecovery {
		return false
	}
	delete(c.inErr, input)
	c.emit(now, Event{Kind: KindInputOK, Input: input})
	return true
}

func (c *Controller) fireOn(now time.Time) {
	c.fire = true
	c.log.Warn("fire release active: lock held released until the fire input clears; fire release must also be wired in hardware, facegate only follows it")
	_ = c.drive(now, false, "fire release")
	c.forced = false
	c.emit(now, Event{Kind: KindFireReleaseOn})
}

func (c *Controller) fireOff(now time.Time) {
	c.fire = false
	c.emit(now, Event{Kind: KindFireReleaseOff})
	if c.open {
		// Held-open timing restarts: the door was legitimately open.
		c.openedAt, c.prealarm, c.alarm = now, false, false
	}
	if c.released && now.Before(c.until) {
		return // a grant or REX window is still running
	}
	c.relock(now, "fire release cleared")
}

func (c *Controller) rex(now time.Time) {
	if c.fire {
		c.emit(now, Event{Kind: KindREX, Reason: "exit button (fire release active)"})
		return
	}
	if err := c.drive(now, false, "rex"); err != nil {
		_ = c.drive(now, true, "rex failed")
		return
	}
	c.release(now, "exit button")
	c.emit(now, Event{Kind: KindREX, Reason: "exit button"})
}

func (c *Controller) opened(now time.Time) {
	c.open, c.openedAt, c.prealarm, c.alarm = true, now, false, false
	switch {
	case c.fire:
		c.emit(now, Event{Kind: KindOpened, Reason: "fire release"})
	case c.released:
		c.passage = true
		c.emit(now, Event{Kind: KindOpened, Reason: c.reason})
	default:
		c.forced = true
		c.emit(now, Event{Kind: KindForcedOpen})
	}
}

func (c *Controller) closed(now time.Time) {
	c.open, c.forced, c.prealarm, c.alarm = false, false, false, false
	c.emit(now, Event{Kind: KindClosed})
	if c.cfg.RelockOnClose && c.released && c.passage && !c.fire {
		c.relock(now, "door closed")
	}
}

func (c *Controller) timers(now time.Time) {
	if c.released && !now.Before(c.until) {
		c.relock(now, "release elapsed")
	}
	if !c.open || !c.contactOK || c.fire {
		return
	}
	held := now.Sub(c.openedAt)
	if p := c.cfg.HeldOpenPrealarm; p > 0 && held >= p && !c.prealarm && !c.alarm {
		c.prealarm = true
		c.emit(now, Event{Kind: KindHeldOpenPrealarm, Reason: fmt.Sprintf("open %v", held.Round(time.Millisecond))})
	}
	if a := c.cfg.HeldOpenAlarm; a > 0 && held >= a && !c.alarm {
		c.alarm = true
		c.emit(now, Event{Kind: KindHeldOpenAlarm, Reason: fmt.Sprintf("open %v", held.Round(time.Millisecond))})
	}
}

func (c *Controller) emit(now time.Time, e Event) {
	e.Time = now
	e.Mono = now.Sub(c.start)
	e.Locked = c.locked
	e.Open = c.open
	e.ContactOK = c.contactOK
	e.Fire = c.fire
	level := slog.LevelInfo
	switch e.Kind {
	case KindForcedOpen, KindHeldOpenAlarm, KindInputError, KindLockError:
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "door event", "event", e)
	c.publish() // State() agrees with the event while OnEvent runs
	if c.onEvent != nil {
		c.onEvent(e)
	}
}

func (c *Controller) publish() {
	s := State{
		Running:   true,
		Locked:    c.locked,
		ContactOK: c.contactOK,
		Open:      c.open,
		Forced:    c.forced,
		Fire:      c.fire,
	}
	if c.lockErr != nil {
		s.LockError = c.lockErr.Error()
	}
	switch {
	case c.alarm:
		s.HeldOpen = HeldOpenAlarm
	case c.prealarm:
		s.HeldOpen = HeldOpenPrealarm
	}
	if c.released {
		s.ReleasedUntil = c.until
	}
	for _, in := range []string{InputContact, InputExit, InputFire} {
		if _, failing := c.inErr[in]; failing {
			s.InputErrors = append(s.InputErrors, in)
		}
	}
	c.mu.Lock()
	c.snap = s
	c.mu.Unlock()
}

// debouncer accepts a new level once it has been seen continuously for
// the hold time.
type debouncer struct {
	init    bool
	stable  bool
	pending bool
	cand    bool
	since   time.Time
}

func (d *debouncer) set(v bool) { d.init, d.stable, d.pending = true, v, false }

// update feeds one sample and reports whether the stable value changed.
func (d *debouncer) update(v bool, now time.Time, hold time.Duration) bool {
	if !d.init {
		d.set(v)
		return false
	}
	if v == d.stable {
		d.pending = false
		return false
	}
	if !d.pending || d.cand != v {
		d.pending, d.cand, d.since = true, v, now
	}
	if now.Sub(d.since) >= hold {
		d.stable, d.pending = v, false
		return true
	}
	return false
}
