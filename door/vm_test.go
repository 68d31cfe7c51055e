//go:build vmtest

// In-VM tests of the gpiochip backend against the kernel's gpio-sim driver
// (make vmtest, see vmtest/init): one chip labelled "facegate-sim" with 8
// lines, lines 0-3 named LOCK, CONTACT, REX, FIRE. The tests set input
// levels through gpio-sim's sysfs `pull` attribute and check the lock level
// through its `value` attribute. Time is the fake clock: every poll really
// reads the kernel's lines, but nothing waits on the wall clock.
package door_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/door/doortest"
	"periph.io/x/conn/v3/gpio"
)

const simLabel = "facegate-sim"

// simChip returns the sysfs directory of the facegate-sim chip
// (/sys/devices/platform/gpio-sim.N/gpiochipM). Outside the vmtest guest
// (VMTEST unset) the tests skip; inside it a missing chip fails.
func simChip(t *testing.T) string {
	t.Helper()
	chips, err := door.Chips()
	if err != nil {
		t.Fatalf("Chips: %v", err)
	}
	for _, c := range chips {
		if c.Label != simLabel {
			continue
		}
		m, _ := filepath.Glob("/sys/devices/platform/gpio-sim.*/" + c.Name)
		if len(m) != 1 {
			t.Fatalf("sysfs directory of %s: %v", c.Name, m)
		}
		return m[0]
	}
	if os.Getenv("VMTEST") == "" {
		t.Skipf("no GPIO chip labelled %q (not in the vmtest guest); found %+v", simLabel, chips)
	}
	t.Fatalf("no GPIO chip labelled %q; found %+v", simLabel, chips)
	return ""
}

func simWrite(t *testing.T, dir string, line int, attr, v string) {
	t.Helper()
	p := filepath.Join(dir, fmt.Sprintf("sim_gpio%d", line), attr)
	if err := os.WriteFile(p, []byte(v), 0); err != nil {
		t.Fatalf("write %q to %s: %v", v, p, err)
	}
}

func simRead(t *testing.T, dir string, line int, attr string) string {
	t.Helper()
	p := filepath.Join(dir, fmt.Sprintf("sim_gpio%d", line), attr)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return strings.TrimSpace(string(b))
}

func simLevel(t *testing.T, dir string, line int) gpio.Level {
	t.Helper()
	return simRead(t, dir, line, "value") == "1"
}

// pulls sets the simulated levels of CONTACT (1), REX (2), FIRE (3).
func pulls(t *testing.T, dir string, contact, rex, fire gpio.Level) {
	t.Helper()
	for i, l := range []gpio.Level{contact, rex, fire} {
		v := "pull-down"
		if l {
			v = "pull-up"
		}
		simWrite(t, dir, i+1, "pull", v)
	}
}

func vmConfig() door.Config {
	c := door.Defaults()
	c.Backend = "gpiochip"
	c.Chip = simLabel
	c.Lock.Line = "LOCK"
	c.Contact.Line = "CONTACT"
	c.Exit.Line = "REX"
	c.Fire.Line = "FIRE"
	return c
}

func TestVMLockLine(t *testing.T) {
	dir := simChip(t)
	tests := []struct {
		typ    door.LockType
		active door.Level
	}{
		{door.FailSecure, door.High},
		{door.FailSecure, door.Low},
		{door.FailSafe, door.High},
		{door.FailSafe, door.Low},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"/active-"+string(tt.active), func(t *testing.T) {
			cfg := vmConfig()
			cfg.Lock.Type, cfg.Lock.Active = tt.typ, tt.active
			locked := door.LockedLevel(cfg.Lock)
			lines, err := door.OpenLines(cfg)
			if err != nil {
				t.Fatalf("OpenLines: %v", err)
			}
			defer lines.Close()
			// Born locked: the request itself set the level.
			if got := simLevel(t, dir, 0); got != locked {
				t.Fatalf("LOCK right after the line request: %v, want the locked level %v", got, locked)
			}
			relay := door.Relay{Out: lines.Lock, LockedLevel: locked}
			for _, want := range []bool{false, true, false, true} {
				if err := relay.SetLocked(want); err != nil {
					t.Fatalf("SetLocked(%v): %v", want, err)
				}
				wantLevel := locked
				if !want {
					wantLevel = !locked
				}
				if got := simLevel(t, dir, 0); got != wantLevel {
					t.Fatalf("SetLocked(%v): sim LOCK value %v, want %v", want, got, wantLevel)
				}
			}
			t.Logf("%s active %s: locked=%v released=%v confirmed via sysfs value", tt.typ, tt.active, locked, !locked)
		})
	}
}

func TestVMInputsFollowPull(t *testing.T) {
	dir := simChip(t)
	cfg := vmConfig()
	cfg.Exit.Line = "2" // by number
	lines, err := door.OpenLines(cfg)
	if err != nil {
		t.Fatalf("OpenLines: %v", err)
	}
	defer lines.Close()
	named := map[string]door.Input{"CONTACT": lines.Contact, "REX(2)": lines.Exit, "FIRE": lines.Fire}
	for _, levels := range [][3]gpio.Level{{gpio.High, gpio.Low, gpio.High}, {gpio.Low, gpio.High, gpio.Low}, {gpio.High, gpio.High, gpio.Low}} {
		pulls(t, dir, levels[0], levels[1], levels[2])
		for i, name := range []string{"CONTACT", "REX(2)", "FIRE"} {
			got, err := named[name].Read()
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			if got != levels[i] {
				t.Errorf("%s after pull %v: read %v", name, levels[i], got)
			}
		}
		t.Logf("pulls contact=%v rex=%v fire=%v read back", levels[0], levels[1], levels[2])
	}
}

func TestVMLineErrors(t *testing.T) {
	simChip(t)
	tests := []struct {
		mod  func(c *door.Config)
		want string
	}{
		{func(c *door.Config) { c.Lock.Line = "NOPE" }, `door.lock.line "NOPE": no such line on`},
		{func(c *door.Config) { c.Contact.Line = "99" }, `door.contact.line "99": no such line on`},
		{func(c *door.Config) { c.Chip = "nochip" }, `door.chip "nochip": no such GPIO chip; found`},
	}
	for _, tt := range tests {
		cfg := vmConfig()
		tt.mod(&cfg)
		_, err := door.OpenLines(cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenLines: %v, want an error containing %q", err, tt.want)
			continue
		}
		t.Logf("error: %v", err)
	}
	// A line already held by another request is refused with a hint.
	first, err := door.OpenLines(vmConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := door.OpenLines(vmConfig()); err == nil || !strings.Contains(err.Error(), "device or resource busy") {
		t.Errorf("second OpenLines of the same lines: %v, want EBUSY", err)
	} else {
		t.Logf("busy: %v", err)
	}
}

// vmRig runs a controller on the real gpiochip backend with a fake clock.
type vmRig struct {
	t      *testing.T
	dir    string
	cfg    door.Config
	clk    *doortest.Clock
	rec    *doortest.Recorder
	c      *door.Controller
	cancel context.CancelFunc
	errc   chan error
	seen   int
}

func newVMRig(t *testing.T, cfg door.Config) *vmRig {
	t.Helper()
	r := &vmRig{t: t, dir: simChip(t), cfg: cfg, clk: doortest.NewClock(t0), rec: &doortest.Recorder{}, errc: make(chan error, 1)}
	// Idle wiring: door closed (NC to ground: low), REX released (NO to
	// ground: high), no fire (NC to ground: low).
	pulls(t, r.dir, gpio.Low, gpio.High, gpio.Low)
	var err error
	r.c, err = door.Open(cfg, door.Options{Clock: r.clk, OnEvent: r.rec.OnEvent, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.errc <- r.c.Run(ctx) }()
	r.wait(0)
	return r
}

func (r *vmRig) wait(d time.Duration) {
	r.t.Helper()
	if err := r.clk.BlockUntilWaiters(1, 10*time.Second); err != nil {
		r.t.Fatal(err)
	}
	for n := int(d / r.cfg.Poll); n > 0; n-- {
		r.clk.Advance(r.cfg.Poll)
		if err := r.clk.BlockUntilWaiters(1, 10*time.Second); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *vmRig) stop() {
	r.t.Helper()
	r.cancel()
	if err := <-r.errc; err != nil {
		r.t.Errorf("Run: %v", err)
	}
	if err := r.c.Close(); err != nil {
		r.t.Errorf("Close: %v", err)
	}
}

func (r *vmRig) expect(step string, locked bool, kinds ...string) {
	r.t.Helper()
	all := r.rec.Kinds()
	got := all[r.seen:]
	r.seen = len(all)
	if !slices.Equal(got, kinds) {
		r.t.Errorf("%s: events %q, want %q", step, got, kinds)
	}
	want := door.LockedLevel(r.cfg.Lock)
	if !locked {
		want = !want
	}
	if l := simLevel(r.t, r.dir, 0); l != want {
		r.t.Errorf("%s: sim LOCK value %v, want %v (locked=%v)", step, l, want, locked)
	}
	r.t.Logf("%s: events %q, LOCK=%s", step, got, simRead(r.t, r.dir, 0, "value"))
}

func TestVMForcedOpenAndREX(t *testing.T) {
	r := newVMRig(t, vmConfig())
	defer r.stop()
	r.expect("start", true, door.KindStarted)

	simWrite(t, r.dir, 1, "pull", "pull-up") // door opens, nobody granted
	r.wait(debounced)
	r.expect("forced", true, door.KindForcedOpen)
	simWrite(t, r.dir, 1, "pull", "pull-down")
	r.wait(debounced)
	r.expect("closed", true, door.KindClosed)

	simWrite(t, r.dir, 2, "pull", "pull-down") // REX pressed
	r.wait(debounced)
	r.expect("rex", false, door.KindREX)
	simWrite(t, r.dir, 2, "pull", "pull-up")
	simWrite(t, r.dir, 1, "pull", "pull-up") // door opens during REX
	r.wait(debounced)
	simWrite(t, r.dir, 1, "pull", "pull-down")
	r.wait(debounced)
	r.expect("exit", false, door.KindOpened, door.KindClosed)
	r.wait(r.cfg.Release)
	r.expect("relock", true, door.KindRelocked)

	if err := r.c.Grant(context.Background(), "alice"); err != nil {
		t.Fatalf("Grant: %v", err)
	}
	r.expect("grant", false, door.KindGrantedUnlock)
	r.wait(time.Second)
	r.cancel()
	if err := <-r.errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.errc <- nil
	r.expect("shutdown mid-release", true, door.KindRelocked, door.KindStopped)
}

func TestVMFireRelease(t *testing.T) {
	r := newVMRig(t, vmConfig())
	defer r.stop()
	simWrite(t, r.dir, 3, "pull", "pull-up") // fire panel opens its NC contact
	r.wait(debounced)
	r.expect("fire", false, door.KindStarted, door.KindFireReleaseOn)
	if err := r.c.Grant(context.Background(), "alice"); !errors.Is(err, door.ErrFireRelease) {
		t.Errorf("Grant during fire: %v, want ErrFireRelease", err)
	}
	r.wait(10 * time.Second)
	r.expect("held released", false)
	simWrite(t, r.dir, 3, "pull", "pull-down")
	r.wait(debounced)
	r.expect("cleared", true, door.KindFireReleaseOff, door.KindRelocked)
}

// TestVMReadErrorWhenChipGoes removes the gpio-sim chip under a running
// controller: the kernel then fails every ioctl on the held lines, and the
// controller must report input errors, never a closed door. It runs last
// because it takes the chip down (it is brought back afterwards, under a
// new name).
func TestVMReadErrorWhenChipGoes(t *testing.T) {
	r := newVMRig(t, vmConfig())
	simWrite(t, r.dir, 1, "pull", "pull-up") // door open (forced)
	r.wait(debounced)
	r.expect("forced", true, door.KindStarted, door.KindForcedOpen)

	live := "/sys/kernel/config/gpio-sim/facegate/live"
	if err := os.WriteFile(live, []byte("0"), 0); err != nil {
		t.Fatalf("take gpio-sim down: %v", err)
	}
	defer func() {
		if err := os.WriteFile(live, []byte("1"), 0); err != nil {
			t.Errorf("bring gpio-sim back: %v", err)
		}
	}()
	r.wait(debounced)
	var inputErrs []string
	for _, e := range r.rec.Events()[r.seen:] {
		if e.Kind != door.KindInputError {
			t.Errorf("unexpected event %s after the chip went away", e.Kind)
			continue
		}
		inputErrs = append(inputErrs, e.Input)
		t.Logf("input_error %s: %s", e.Input, e.Err)
	}
	slices.Sort(inputErrs)
	if want := []string{door.InputContact, door.InputFire, door.InputExit}; !slices.Equal(inputErrs, want) {
		t.Errorf("input errors for %q, want %q", inputErrs, want)
	}
	if _, err := r.c.IsOpen(); !errors.Is(err, door.ErrContactUnknown) {
		t.Errorf("IsOpen with the chip gone: %v, want ErrContactUnknown", err)
	}
	r.cancel()
	err := <-r.errc
	t.Logf("Run after the chip went away: %v", err)
	if err == nil {
		t.Error("Run returned nil although the lock could not be relocked at shutdown")
	}
	_ = r.c.Close()
}
