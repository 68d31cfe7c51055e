package door_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/door/doortest"
	"periph.io/x/conn/v3/gpio"
)

// Default wiring of testConfig (door.Defaults): fail-secure active-high
// lock (locked = Low), NC contact switching to ground (closed door = Low),
// NO exit button to ground (pressed = Low), NC fire input to ground
// (fire = High).
const (
	lockedLvl   = gpio.Low
	unlockedLvl = gpio.High
	doorClosed  = gpio.Low
	doorOpen    = gpio.High
	rexIdle     = gpio.High
	rexPressed  = gpio.Low
	fireIdle    = gpio.Low
	fireActive  = gpio.High
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testConfig() door.Config {
	c := door.Defaults()
	c.Backend = "sim"
	c.Lock.Line = "LOCK"
	c.Contact.Line = "CONTACT"
	c.Exit.Line = "REX"
	c.Fire.Line = "FIRE"
	return c
}

// rig runs a Controller on gpiotest pins with a fake clock.
type rig struct {
	t    *testing.T
	cfg  door.Config
	pins *doortest.Pins
	clk  *doortest.Clock
	rec  *doortest.Recorder
	c    *door.Controller

	cancel  context.CancelFunc
	errc    chan error
	stopErr error
	once    sync.Once
	seen    int // events already checked by expect
}

// newRig wires pins at their idle levels (door closed, button released,
// no fire, lock line at the unlocked level so start-up must drive it),
// lets setup change them, then starts Run and waits until it is polling.
func newRig(t *testing.T, cfg door.Config, setup func(p *doortest.Pins)) *rig {
	t.Helper()
	p := doortest.NewPins()
	p.Lock.L = !door.LockedLevel(cfg.Lock)
	p.Contact.L = doorClosed
	p.Exit.L = rexIdle
	p.Fire.L = fireIdle
	if setup != nil {
		setup(p)
	}
	r := &rig{t: t, cfg: cfg, pins: p, clk: doortest.NewClock(t0), rec: &doortest.Recorder{}, errc: make(chan error, 1)}
	hw, err := door.NewHardware(cfg, p.Lines(cfg.Exit.Line != "", cfg.Fire.Line != ""))
	if err != nil {
		t.Fatal(err)
	}
	r.c, err = door.New(cfg, hw, door.Options{
		Clock:   r.clk,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnEvent: r.rec.OnEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.errc <- r.c.Run(ctx) }()
	t.Cleanup(func() { r.stop() })
	r.waitPolling()
	return r
}

// waitPolling waits until Run is waiting for its next poll, i.e. it has
// finished processing everything so far.
func (r *rig) waitPolling() {
	r.t.Helper()
	select {
	case err := <-r.errc:
		r.errc <- err
		r.t.Fatalf("Run returned early: %v", err)
	default:
	}
	if err := r.clk.BlockUntilWaiters(1, 10*time.Second); err != nil {
		r.t.Fatal(err)
	}
}

// wait advances the fake clock by d in poll steps, letting Run handle
// each poll.
func (r *rig) wait(d time.Duration) {
	r.t.Helper()
	for n := int(d / r.cfg.Poll); n > 0; n-- {
		r.clk.Advance(r.cfg.Poll)
		r.waitPolling()
	}
}

func (r *rig) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.stopErr = <-r.errc:
		case <-time.After(10 * time.Second):
			r.stopErr = errors.New("Run did not return after cancel")
		}
	})
	return r.stopErr
}

func (r *rig) set(p *gpio.Level, l gpio.Level, pin interface {
	Lock()
	Unlock()
}) {
	pin.Lock()
	*p = l
	pin.Unlock()
}

func (r *rig) setDoor(l gpio.Level) { r.set(&r.pins.Contact.L, l, r.pins.Contact) }
func (r *rig) setExit(l gpio.Level) { r.set(&r.pins.Exit.L, l, r.pins.Exit) }
func (r *rig) setFire(l gpio.Level) { r.set(&r.pins.Fire.L, l, r.pins.Fire) }

func (r *rig) lockLevel() gpio.Level { return r.pins.Lock.Read() }

// expect checks the events emitted since the previous expect, exactly and
// in order, and the lock line's level.
func (r *rig) expect(step string, lock gpio.Level, kinds ...string) {
	r.t.Helper()
	all := r.rec.Kinds()
	got := all[r.seen:]
	r.seen = len(all)
	if !slices.Equal(got, kinds) {
		r.t.Errorf("%s: events %q, want %q", step, got, kinds)
	}
	if l := r.lockLevel(); l != lock {
		r.t.Errorf("%s: lock line %v, want %v", step, l, lock)
	}
}

func (r *rig) lastEvent() door.Event {
	ev := r.rec.Events()
	if len(ev) == 0 {
		r.t.Fatal("no events")
	}
	return ev[len(ev)-1]
}

// debounced is long enough for a level change to pass the 50 ms debounce
// at a 20 ms poll.
const debounced = 100 * time.Millisecond

func TestScenarios(t *testing.T) {
	type scenario struct {
		name   string
		cfg    func(c *door.Config)
		setup  func(p *doortest.Pins)
		script func(r *rig)
	}
	scenarios := []scenario{{
		name: "grant unlock open close relock after release",
		script: func(r *rig) {
			r.expect("start", lockedLvl, door.KindStarted)
			if err := r.c.Grant(context.Background(), "alice"); err != nil {
				r.t.Fatalf("Grant: %v", err)
			}
			r.expect("grant", unlockedLvl, door.KindGrantedUnlock)
			if ev := r.lastEvent(); ev.Reason != "alice" || ev.Locked {
				r.t.Errorf("grant event %+v, want reason alice and unlocked", ev)
			}
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.expect("open", unlockedLvl, door.KindOpened)
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("close without anti-tailgate", unlockedLvl, door.KindClosed)
			r.wait(5 * time.Second)
			r.expect("release elapsed", lockedLvl, door.KindRelocked)
			if ev := r.lastEvent(); ev.Reason != "release elapsed" || ev.Mono < 5*time.Second {
				r.t.Errorf("relock event %+v, want reason release elapsed at >= 5s", ev)
			}
		},
	}, {
		name: "release time is measured from the grant",
		script: func(r *rig) {
			r.c.Grant(context.Background(), "bob")
			r.wait(4900 * time.Millisecond)
			r.expect("before 5 s", unlockedLvl, door.KindStarted, door.KindGrantedUnlock)
			r.wait(100 * time.Millisecond)
			r.expect("at 5 s", lockedLvl, door.KindRelocked)
		},
	}, {
		name: "anti-tailgate relocks when the door closes",
		cfg:  func(c *door.Config) { c.RelockOnClose = true },
		script: func(r *rig) {
			r.c.Grant(context.Background(), "alice")
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("closed", lockedLvl, door.KindStarted, door.KindGrantedUnlock, door.KindOpened, door.KindClosed, door.KindRelocked)
			if ev := r.lastEvent(); ev.Reason != "door closed" {
				r.t.Errorf("relock reason %q, want door closed", ev.Reason)
			}
			r.wait(6 * time.Second)
			r.expect("no second relock", lockedLvl)
		},
	}, {
		name: "REX unlocks for the release time and opening is not forced",
		script: func(r *rig) {
			r.setExit(rexPressed)
			r.wait(debounced)
			r.expect("press", unlockedLvl, door.KindStarted, door.KindREX)
			r.setExit(rexIdle)
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("pass", unlockedLvl, door.KindOpened, door.KindClosed)
			if s := r.c.State(); s.Forced {
				r.t.Error("State.Forced after REX exit")
			}
			r.wait(5 * time.Second)
			r.expect("relock", lockedLvl, door.KindRelocked)
		},
	}, {
		name:  "REX held at start does not unlock until pressed again",
		setup: func(p *doortest.Pins) { p.Exit.L = rexPressed },
		script: func(r *rig) {
			r.wait(time.Second)
			r.expect("held", lockedLvl, door.KindStarted)
			r.setExit(rexIdle)
			r.wait(debounced)
			r.setExit(rexPressed)
			r.wait(debounced)
			r.expect("pressed", unlockedLvl, door.KindREX)
		},
	}, {
		name: "forced open raises an alarm until the door closes",
		script: func(r *rig) {
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.expect("forced", lockedLvl, door.KindStarted, door.KindForcedOpen)
			if s := r.c.State(); !s.Forced || !s.Open || !s.Locked {
				r.t.Errorf("state %+v, want forced, open, locked", s)
			}
			if open, err := r.c.IsOpen(); err != nil || !open {
				r.t.Errorf("IsOpen = %v, %v; want true, nil", open, err)
			}
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("closed", lockedLvl, door.KindClosed)
			if s := r.c.State(); s.Forced {
				r.t.Error("State.Forced after the door closed")
			}
		},
	}, {
		name: "door opened after the release ended is forced",
		script: func(r *rig) {
			r.c.Grant(context.Background(), "alice")
			r.wait(5 * time.Second)
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.expect("late", lockedLvl, door.KindStarted, door.KindGrantedUnlock, door.KindRelocked, door.KindForcedOpen)
		},
	}, {
		name: "contact glitch shorter than the debounce is ignored",
		script: func(r *rig) {
			r.setDoor(doorOpen)
			r.wait(40 * time.Millisecond) // two samples, 20 ms apart: < 50 ms
			r.setDoor(doorClosed)
			r.wait(time.Second)
			r.expect("glitch", lockedLvl, door.KindStarted)
		},
	}, {
		name: "held open pre-alarm then alarm",
		script: func(r *rig) {
			r.c.Grant(context.Background(), "alice")
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.wait(5 * time.Second)
			r.expect("relock while open", lockedLvl, door.KindStarted, door.KindGrantedUnlock, door.KindOpened, door.KindRelocked)
			r.wait(14 * time.Second) // open ~19.1 s
			r.expect("before pre-alarm", lockedLvl)
			r.wait(time.Second)
			r.expect("pre-alarm", lockedLvl, door.KindHeldOpenPrealarm)
			if s := r.c.State(); s.HeldOpen != door.HeldOpenPrealarm {
				r.t.Errorf("HeldOpen %q, want prealarm", s.HeldOpen)
			}
			r.wait(10 * time.Second)
			r.expect("alarm", lockedLvl, door.KindHeldOpenAlarm)
			r.wait(30 * time.Second)
			r.expect("alarms fire once", lockedLvl)
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("closed", lockedLvl, door.KindClosed)
			if s := r.c.State(); s.HeldOpen != "" {
				r.t.Errorf("HeldOpen %q after close, want none", s.HeldOpen)
			}
		},
	}, {
		name: "fire release holds the door released and blocks relock",
		script: func(r *rig) {
			r.c.Grant(context.Background(), "alice")
			r.setFire(fireActive)
			r.wait(debounced)
			r.expect("fire", unlockedLvl, door.KindStarted, door.KindGrantedUnlock, door.KindFireReleaseOn)
			r.wait(10 * time.Second) // release time passes: no relock
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.wait(time.Minute) // no held-open alarms during fire
			r.expect("open during fire", unlockedLvl, door.KindOpened)
			if ev := r.lastEvent(); ev.Reason != "fire release" {
				r.t.Errorf("opened reason %q, want fire release", ev.Reason)
			}
			r.setDoor(doorClosed)
			r.wait(debounced)
			r.expect("closed during fire", unlockedLvl, door.KindClosed)
			r.setFire(fireIdle)
			r.wait(debounced)
			r.expect("fire cleared", lockedLvl, door.KindFireReleaseOff, door.KindRelocked)
			if ev := r.lastEvent(); ev.Reason != "fire release cleared" {
				r.t.Errorf("relock reason %q", ev.Reason)
			}
		},
	}, {
		name: "grant and REX during fire release change nothing",
		script: func(r *rig) {
			r.setFire(fireActive)
			r.wait(debounced)
			if err := r.c.Grant(context.Background(), "alice"); !errors.Is(err, door.ErrFireRelease) {
				r.t.Errorf("Grant during fire: %v, want ErrFireRelease", err)
			}
			r.setExit(rexPressed)
			r.wait(debounced)
			r.expect("fire", unlockedLvl, door.KindStarted, door.KindFireReleaseOn, door.KindREX)
			r.wait(time.Minute)
			r.expect("still released", unlockedLvl)
		},
	}, {
		name: "fire clearing during a grant keeps the grant's release",
		script: func(r *rig) {
			r.setFire(fireActive)
			r.wait(debounced)
			r.setFire(fireIdle)
			r.wait(debounced)
			r.c.Grant(context.Background(), "alice")
			r.setFire(fireActive)
			r.wait(debounced)
			r.setFire(fireIdle)
			r.wait(debounced)
			r.expect("cleared in release", unlockedLvl, door.KindStarted, door.KindFireReleaseOn, door.KindFireReleaseOff, door.KindRelocked,
				door.KindGrantedUnlock, door.KindFireReleaseOn, door.KindFireReleaseOff)
			r.wait(5 * time.Second)
			r.expect("release ends", lockedLvl, door.KindRelocked)
		},
	}, {
		name:  "fire active at start releases after locking",
		setup: func(p *doortest.Pins) { p.Fire.L = fireActive },
		script: func(r *rig) {
			r.expect("start", unlockedLvl, door.KindStarted, door.KindFireReleaseOn)
			ops := r.pins.Trace.Ops()
			if len(ops) == 0 || ops[0] != "out LOCK Low" {
				r.t.Errorf("first operation %q, want out LOCK Low", ops)
			}
		},
	}, {
		name: "contact read error is an event, never a closed door",
		script: func(r *rig) {
			r.setDoor(doorOpen)
			r.wait(debounced)
			r.pins.ContactIn.SetErr(errors.New("EIO"))
			r.wait(time.Second)
			r.expect("error", lockedLvl, door.KindStarted, door.KindForcedOpen, door.KindInputError)
			ev := r.lastEvent()
			if ev.Input != door.InputContact || !strings.Contains(ev.Err, "EIO") || ev.ContactOK {
				r.t.Errorf("input_error event %+v, want input contact, err EIO, contact not ok", ev)
			}
			if _, err := r.c.IsOpen(); !errors.Is(err, door.ErrContactUnknown) {
				r.t.Errorf("IsOpen during read error: %v, want ErrContactUnknown", err)
			}
			if s := r.c.State(); s.ContactOK || !slices.Equal(s.InputErrors, []string{door.InputContact}) {
				r.t.Errorf("state %+v, want contact not ok and listed in InputErrors", s)
			}
			r.setDoor(doorClosed)
			r.wait(time.Second) // still failing: no closed event
			r.expect("still failing", lockedLvl)
			r.pins.ContactIn.SetErr(nil)
			r.wait(400 * time.Millisecond)
			r.expect("recovering", lockedLvl)
			if _, err := r.c.IsOpen(); !errors.Is(err, door.ErrContactUnknown) {
				r.t.Errorf("IsOpen while recovering: %v, want ErrContactUnknown", err)
			}
			r.wait(120 * time.Millisecond) // first good read + 500 ms
			r.expect("recovered", lockedLvl, door.KindInputOK)
			r.wait(debounced)
			r.expect("closed", lockedLvl, door.KindClosed)
			if open, err := r.c.IsOpen(); err != nil || open {
				r.t.Errorf("IsOpen after recovery = %v, %v; want false, nil", open, err)
			}
		},
	}, {
		name: "contact failing from start is unknown, not closed",
		setup: func(p *doortest.Pins) {
			p.ContactIn.SetErr(errors.New("EIO"))
		},
		script: func(r *rig) {
			r.expect("start", lockedLvl, door.KindInputError, door.KindStarted)
			if _, err := r.c.IsOpen(); !errors.Is(err, door.ErrContactUnknown) {
				r.t.Errorf("IsOpen: %v, want ErrContactUnknown", err)
			}
		},
	}, {
		name: "a flapping input gives one error until it is stable again",
		script: func(r *rig) {
			for i := 0; i < 20; i++ {
				r.pins.ExitIn.SetErr(errors.New("EIO"))
				r.wait(r.cfg.Poll)
				r.pins.ExitIn.SetErr(nil)
				r.wait(3 * r.cfg.Poll)
			}
			r.expect("flapping", lockedLvl, door.KindStarted, door.KindInputError)
			r.wait(time.Second)
			r.expect("stable", lockedLvl, door.KindInputOK)
		},
	}, {
		name:  "door open at start raises held-open alarms, not forced",
		setup: func(p *doortest.Pins) { p.Contact.L = doorOpen },
		script: func(r *rig) {
			r.expect("start", lockedLvl, door.KindStarted)
			if ev := r.lastEvent(); !ev.Open || !ev.ContactOK {
				r.t.Errorf("started event %+v, want open with contact ok", ev)
			}
			r.wait(20 * time.Second)
			r.expect("pre-alarm", lockedLvl, door.KindHeldOpenPrealarm)
		},
	}, {
		name: "fire read error during fire release keeps the door released",
		script: func(r *rig) {
			r.setFire(fireActive)
			r.wait(debounced)
			r.pins.FireIn.SetErr(errors.New("EIO"))
			r.wait(time.Minute)
			r.expect("fire input dead", unlockedLvl, door.KindStarted, door.KindFireReleaseOn, door.KindInputError)
		},
	}, {
		name: "lock drive error fails the grant and is retried",
		script: func(r *rig) {
			r.pins.LockOut.SetErr(errors.New("EIO"))
			if err := r.c.Grant(context.Background(), "alice"); err == nil || !strings.Contains(err.Error(), "EIO") {
				r.t.Errorf("Grant with a dead lock line: %v, want EIO error", err)
			}
			r.expect("grant failed", lockedLvl, door.KindStarted, door.KindLockError)
			if s := r.c.State(); s.LockError == "" {
				r.t.Error("State.LockError empty after a drive error")
			}
			r.pins.LockOut.SetErr(nil)
			r.wait(r.cfg.Poll)
			r.expect("retried", lockedLvl, door.KindRelocked)
			if s := r.c.State(); s.LockError != "" || !s.Locked {
				r.t.Errorf("state %+v after retry, want locked without error", s)
			}
		},
	}}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			cfg := testConfig()
			if sc.cfg != nil {
				sc.cfg(&cfg)
			}
			r := newRig(t, cfg, sc.setup)
			sc.script(r)
			if err := r.stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}

func TestStartDrivesLockBeforeReading(t *testing.T) {
	r := newRig(t, testConfig(), nil)
	ops := r.pins.Trace.Ops()
	if len(ops) < 2 || ops[0] != "out LOCK Low" {
		t.Fatalf("operations %q, want out LOCK Low first", ops)
	}
	for _, op := range ops[1:] {
		if !strings.HasPrefix(op, "read ") {
			t.Errorf("unexpected operation %q after the start-up lock", op)
		}
	}
}

func TestStartFailsWhenLockCannotBeDriven(t *testing.T) {
	cfg := testConfig()
	p := doortest.NewPins()
	p.LockOut.SetErr(errors.New("EBUSY"))
	hw, err := door.NewHardware(cfg, p.Lines(true, true))
	if err != nil {
		t.Fatal(err)
	}
	c, err := door.New(cfg, hw, door.Options{Clock: doortest.NewClock(t0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "EBUSY") {
		t.Fatalf("Run: %v, want an EBUSY error", err)
	}
	for _, op := range p.Trace.Ops() {
		if strings.HasPrefix(op, "read") {
			t.Errorf("input read (%s) although the lock could not be driven", op)
		}
	}
	if err := c.Grant(context.Background(), "x"); !errors.Is(err, door.ErrStopped) {
		t.Errorf("Grant after Run returned: %v, want ErrStopped", err)
	}
}

func TestShutdown(t *testing.T) {
	tests := []struct {
		name      string
		fire      bool
		wantLevel gpio.Level
		wantTail  []string
	}{
		{"mid-pulse relocks", false, lockedLvl, []string{door.KindGrantedUnlock, door.KindRelocked, door.KindStopped}},
		{"during fire release stays released", true, unlockedLvl, []string{door.KindFireReleaseOn, door.KindStopped}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, testConfig(), nil)
			if tt.fire {
				r.setFire(fireActive)
				r.wait(debounced)
			} else if err := r.c.Grant(context.Background(), "alice"); err != nil {
				t.Fatal(err)
			}
			r.wait(time.Second)
			if r.lockLevel() != unlockedLvl {
				t.Fatal("door not released before shutdown")
			}
			if err := r.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := r.lockLevel(); got != tt.wantLevel {
				t.Errorf("lock line after shutdown %v, want %v", got, tt.wantLevel)
			}
			kinds := r.rec.Kinds()
			if tail := kinds[max(0, len(kinds)-len(tt.wantTail)):]; !slices.Equal(tail, tt.wantTail) {
				t.Errorf("events %q, want them to end with %q", kinds, tt.wantTail)
			}
			if s := r.c.State(); s.Running {
				t.Error("State.Running after shutdown")
			}
		})
	}
}

func TestShutdownRelockFailureIsAnError(t *testing.T) {
	r := newRig(t, testConfig(), nil)
	r.c.Grant(context.Background(), "alice")
	r.pins.LockOut.SetErr(errors.New("EIO"))
	if err := r.stop(); err == nil || !strings.Contains(err.Error(), "shutdown") {
		t.Errorf("Run: %v, want a shutdown relock error", err)
	}
}

// TestLockLevels checks the relay level for each lock type and relay
// polarity, locked and released.
func TestLockLevels(t *testing.T) {
	tests := []struct {
		typ              door.LockType
		active           door.Level
		locked, released gpio.Level
	}{
		{door.FailSecure, door.High, gpio.Low, gpio.High},
		{door.FailSecure, door.Low, gpio.High, gpio.Low},
		{door.FailSafe, door.High, gpio.High, gpio.Low},
		{door.FailSafe, door.Low, gpio.Low, gpio.High},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"/active-"+string(tt.active), func(t *testing.T) {
			cfg := testConfig()
			cfg.Lock.Type, cfg.Lock.Active = tt.typ, tt.active
			if got := door.LockedLevel(cfg.Lock); got != tt.locked {
				t.Errorf("LockedLevel = %v, want %v", got, tt.locked)
			}
			r := newRig(t, cfg, nil)
			if got := r.lockLevel(); got != tt.locked {
				t.Errorf("after start: lock line %v, want %v", got, tt.locked)
			}
			r.c.Grant(context.Background(), "alice")
			if got := r.lockLevel(); got != tt.released {
				t.Errorf("after grant: lock line %v, want %v", got, tt.released)
			}
			r.wait(5 * time.Second)
			if got := r.lockLevel(); got != tt.locked {
				t.Errorf("after release: lock line %v, want %v", got, tt.locked)
			}
			r.c.Grant(context.Background(), "alice")
			r.stop()
			if got := r.lockLevel(); got != tt.locked {
				t.Errorf("after shutdown: lock line %v, want %v", got, tt.locked)
			}
		})
	}
}

// TestSwitchWiring checks how each switch type and wiring maps a level to
// "active" (door open, button pressed, fire).
func TestSwitchWiring(t *testing.T) {
	tests := []struct {
		typ         door.SwitchType
		closedLevel door.Level
		level       gpio.Level
		active      bool
	}{
		{door.NormallyClosed, door.Low, gpio.Low, false},
		{door.NormallyClosed, door.Low, gpio.High, true},
		{door.NormallyClosed, door.High, gpio.High, false},
		{door.NormallyClosed, door.High, gpio.Low, true},
		{door.NormallyOpen, door.Low, gpio.Low, true},
		{door.NormallyOpen, door.Low, gpio.High, false},
		{door.NormallyOpen, door.High, gpio.High, true},
		{door.NormallyOpen, door.High, gpio.Low, false},
	}
	for _, tt := range tests {
		cfg := testConfig()
		cfg.Contact.Type, cfg.Contact.ClosedLevel = tt.typ, tt.closedLevel
		cfg.Exit.Type, cfg.Exit.ClosedLevel = tt.typ, tt.closedLevel
		cfg.Fire.Type, cfg.Fire.ClosedLevel = tt.typ, tt.closedLevel
		p := doortest.NewPins()
		p.Contact.L, p.Exit.L, p.Fire.L = tt.level, tt.level, tt.level
		hw, err := door.NewHardware(cfg, p.Lines(true, true))
		if err != nil {
			t.Fatal(err)
		}
		closed, err1 := hw.Contact.Closed()
		pressed, err2 := hw.Exit.Pressed()
		fire, err3 := hw.Fire.Active()
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		if closed == tt.active || pressed != tt.active || fire != tt.active {
			t.Errorf("%s closed_level %s at %v: closed=%v pressed=%v fire=%v, want active=%v",
				tt.typ, tt.closedLevel, tt.level, closed, pressed, fire, tt.active)
		}
	}
}

func TestReadErrorIsNotALevel(t *testing.T) {
	p := doortest.NewPins()
	p.ContactIn.SetErr(errors.New("EIO"))
	hw, err := door.NewHardware(testConfig(), p.Lines(false, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hw.Contact.Closed(); err == nil {
		t.Error("Closed() on a failing line returned no error")
	}
}

func TestSimBackend(t *testing.T) {
	cfg := testConfig()
	clk := doortest.NewClock(t0)
	rec := &doortest.Recorder{}
	c, err := door.Open(cfg, door.Options{Clock: clk, OnEvent: rec.OnEvent, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sim := c.Sim()
	if sim == nil {
		t.Fatal("Sim() is nil for the sim backend")
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	step := func(d time.Duration) {
		for n := int(d / cfg.Poll); n > 0; n-- {
			if err := clk.BlockUntilWaiters(1, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			clk.Advance(cfg.Poll)
		}
		if err := clk.BlockUntilWaiters(1, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	step(0)
	if !sim.Locked() {
		t.Error("sim lock not locked after start")
	}
	sim.SetExitPressed(true)
	step(debounced)
	sim.SetExitPressed(false)
	if sim.Locked() {
		t.Error("sim lock still locked after REX")
	}
	sim.SetOpen(true)
	step(debounced)
	sim.SetOpen(false)
	step(debounced)
	sim.SetFire(true)
	step(debounced)
	sim.SetFire(false)
	step(debounced)
	sim.SetReadError(door.InputContact, errors.New("unplugged"))
	step(debounced)
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	want := []string{door.KindStarted, door.KindREX, door.KindOpened, door.KindClosed, door.KindFireReleaseOn, door.KindFireReleaseOff,
		door.KindInputError, door.KindRelocked, door.KindStopped}
	if got := rec.Kinds(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if !sim.Locked() {
		t.Error("sim lock not locked after shutdown")
	}
}

func TestGrantBlocksUntilRunOrContext(t *testing.T) {
	p := doortest.NewPins()
	hw, _ := door.NewHardware(testConfig(), p.Lines(false, false))
	c, err := door.New(testConfig(), hw, door.Options{Clock: doortest.NewClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Grant(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Grant before Run with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := c.IsOpen(); !errors.Is(err, door.ErrContactUnknown) {
		t.Errorf("IsOpen before Run: %v, want ErrContactUnknown", err)
	}
}
