package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/facegate/facegate/door"
	"periph.io/x/conn/v3/gpio"
)

func init() {
	register("door", command{
		summary: "check door wiring: pulse the lock relay once and show contact, REX and fire inputs live",
		usage:   "door test [--config F] [--pulse 5s] [--duration D]",
		run:     runDoor,
	})
}

// defaultConfigPath is where `facegate door test` looks for the daemon's
// configuration when --config is not given.
const defaultConfigPath = "/etc/facegate/facegated.yaml"

func runDoor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "test" {
		return usageError("expected the subcommand test")
	}
	fs := newFlagSet("door test", stderr)
	cfgPath := fs.String("config", defaultConfigPath, "configuration file whose door: section describes the wiring")
	pulse := fs.Duration("pulse", 0, "how long to release the lock (0 means door.release from the config)")
	noPulse := fs.Bool("no-pulse", false, "do not pulse the relay, only show the inputs")
	duration := fs.Duration("duration", 0, "stop after this long (default: run until Ctrl-C)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	data, err := os.ReadFile(*cfgPath)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	cfg, err := door.ParseConfigFile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *cfgPath, err)
	}
	if *pulse == 0 {
		*pulse = cfg.Release
	}
	if *noPulse {
		*pulse = 0
	}
	if *pulse < 0 || *pulse > time.Minute {
		return usageError("--pulse %v: use a duration between 0s and 1m", *pulse)
	}
	if *duration < 0 {
		return usageError("--duration %v: must not be negative", *duration)
	}
	return doorTest(ctx, cfg, *pulse, *duration, stdout)
}

// doorInput is one input shown by door test.
type doorInput struct {
	name    string // contact, rex, fire
	line    string
	sw      door.Switch
	active  string // meaning when active / idle
	idle    string
	last    gpio.Level
	lastErr string
	known   bool
}

func doorTest(ctx context.Context, cfg door.Config, pulse, duration time.Duration, w io.Writer) error {
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("%7.3fs", time.Since(start).Seconds()) }

	if cfg.Backend == "gpiochip" {
		if chips, err := door.Chips(); err == nil {
			for _, c := range chips {
				fmt.Fprintf(w, "chip %s %q (%s), %d lines\n", c.Name, c.Label, c.Path, c.Lines)
			}
		}
	}
	lines, err := door.OpenLines(cfg)
	if err != nil {
		return err
	}
	defer lines.Close()
	relay := door.Relay{Out: lines.Lock, LockedLevel: door.LockedLevel(cfg.Lock)}
	// The backend requested the lock line at its locked level; drive it
	// again so a failure shows now.
	if err := relay.SetLocked(true); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	lockName := lineLabel(cfg.Lock.Line)
	fmt.Fprintf(w, "%s lock %s: LOCKED (line %s; %s, %s; relay driver active %s)\n", stamp(), lockName,
		levelName(relay.LockedLevel), cfg.Lock.Type, lockKind(cfg.Lock.Type), cfg.Lock.Active)

	var inputs []*doorInput
	add := func(name string, in door.Input, c door.InputConfig, active, idle string) {
		if in == nil {
			fmt.Fprintf(w, "%s %s: not fitted\n", stamp(), name)
			return
		}
		inputs = append(inputs, &doorInput{name: name, line: lineLabel(c.Line), sw: door.NewSwitch(in, c), active: active, idle: idle})
	}
	add(door.InputContact, lines.Contact, cfg.Contact, "door OPEN", "door closed")
	add(door.InputExit, lines.Exit, cfg.Exit, "PRESSED", "released")
	add(door.InputFire, lines.Fire, cfg.Fire, "FIRE RELEASE ACTIVE", "normal")
	if lines.Fire != nil {
		fmt.Fprintf(w, "%s note: fire release must also be wired in hardware (the fire panel cuts lock power); facegate only follows the input\n", stamp())
	}

	show := func() {
		for _, in := range inputs {
			l, err := in.sw.In.Read()
			if err != nil {
				if !in.known && in.lastErr == err.Error() {
					continue
				}
				in.known, in.lastErr = false, err.Error()
				fmt.Fprintf(w, "%s %s %s: READ ERROR: %v (state unknown)\n", stamp(), in.name, in.line, err)
				continue
			}
			if in.known && l == in.last {
				continue
			}
			in.known, in.last, in.lastErr = true, l, ""
			meaning := in.idle
			if in.sw.ActiveAt(l) {
				meaning = in.active
			}
			fmt.Fprintf(w, "%s %s %s: %s (%s)\n", stamp(), in.name, in.line, levelName(l), meaning)
		}
	}
	show()

	var pulseEnd <-chan time.Time
	if pulse > 0 {
		if err := relay.SetLocked(false); err != nil {
			return fmt.Errorf("lock: release: %w", err)
		}
		fmt.Fprintf(w, "%s lock %s: RELEASED for %v (line %s)\n", stamp(), lockName, pulse, levelName(!relay.LockedLevel))
		pulseEnd = time.After(pulse)
	}
	var stop <-chan time.Time
	if duration > 0 {
		stop = time.After(duration)
	} else {
		fmt.Fprintf(w, "%s watching inputs; Ctrl-C to stop\n", stamp())
	}
	tick := time.NewTicker(cfg.Poll)
	defer tick.Stop()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-stop:
			break loop
		case <-pulseEnd:
			pulseEnd = nil
			if err := relay.SetLocked(true); err != nil {
				runErr = fmt.Errorf("lock: relock after pulse: %w", err)
				break loop
			}
			fmt.Fprintf(w, "%s lock %s: LOCKED (line %s)\n", stamp(), lockName, levelName(relay.LockedLevel))
		case <-tick.C:
			show()
		}
	}
	// Always leave the door locked.
	if err := relay.SetLocked(true); err != nil {
		return errors.Join(runErr, fmt.Errorf("lock: relock on exit: %w", err))
	}
	if pulseEnd != nil {
		fmt.Fprintf(w, "%s lock %s: LOCKED (stopped during the pulse)\n", stamp(), lockName)
	}
	fmt.Fprintf(w, "%s done; lock left LOCKED\n", stamp())
	return runErr
}

func lockKind(t door.LockType) string {
	if t == door.FailSafe {
		return "maglock energised = locked"
	}
	return "strike energised = unlocked"
}

func levelName(l gpio.Level) string {
	if l {
		return "high"
	}
	return "low"
}

func lineLabel(r door.LineRef) string {
	if r == "" {
		return "(sim)"
	}
	return string(r)
}
