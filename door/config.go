package door

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MinRelease is the shortest release time Validate accepts.
// ULC 60839-11-1 requires an electronic access release of at least 3 s.
const MinRelease = 3 * time.Second

// Level is an electrical level in configuration: "high" or "low".
type Level string

// The two electrical levels.
const (
	High Level = "high"
	Low  Level = "low"
)

// LockType says which relay state unlocks the door.
type LockType string

const (
	// FailSecure is an electric strike: energising the relay unlocks, so the
	// door stays locked when power fails.
	FailSecure LockType = "fail-secure"
	// FailSafe is a magnetic lock: energising the relay locks, so the door
	// unlocks when power fails.
	FailSafe LockType = "fail-safe"
)

// SwitchType says whether an input's switch conducts in its idle state.
type SwitchType string

const (
	// NormallyClosed switches conduct in the idle state (door closed, no
	// fire alarm, exit button released). A cut wire then reads as the
	// non-idle state, which is the safe direction for a door contact and a
	// fire input.
	NormallyClosed SwitchType = "nc"
	// NormallyOpen switches conduct only when active (door open, fire
	// alarm, exit button pressed).
	NormallyOpen SwitchType = "no"
)

// Bias is the pull resistor requested for an input line.
type Bias string

const (
	// BiasAsIs leaves the line's bias as the kernel or board set it.
	BiasAsIs Bias = "as-is"
	// BiasPullUp requests the internal pull-up (switch to ground).
	BiasPullUp Bias = "pull-up"
	// BiasPullDown requests the internal pull-down (switch to supply).
	BiasPullDown Bias = "pull-down"
	// BiasDisable disables the internal bias (external resistor fitted).
	BiasDisable Bias = "disable"
)

// Config is the door section of the facegate configuration (YAML key
// `door:`). Start from Defaults, decode over it, then call Validate.
type Config struct {
	// Backend names the GPIO backend: "gpiochip" (Linux GPIO character
	// device) or "sim" (in-memory, for the demo and tests).
	Backend string `yaml:"backend"`
	// Chip selects the GPIO chip for the gpiochip backend: its kernel name
	// ("gpiochip0"), its label ("pinctrl-bcm2711") or its device path
	// ("/dev/gpiochip0").
	Chip string `yaml:"chip"`
	// Lock is the relay output that drives the lock.
	Lock LockConfig `yaml:"lock"`
	// Release is how long a grant or exit request keeps the door unlocked.
	// Default 5 s; at least 3 s (ULC 60839-11-1).
	Release time.Duration `yaml:"release"`
	// RelockOnClose relocks as soon as the door has opened and closed again
	// within a release, instead of waiting for Release to end
	// (anti-tailgating).
	RelockOnClose bool `yaml:"relock_on_close"`
	// HeldOpenPrealarm is how long the door may stay open before a
	// held-open pre-alarm event; 0 disables the pre-alarm.
	HeldOpenPrealarm time.Duration `yaml:"held_open_prealarm"`
	// HeldOpenAlarm is how long the door may stay open before a held-open
	// alarm event; 0 disables the alarm.
	HeldOpenAlarm time.Duration `yaml:"held_open_alarm"`
	// Contact is the door position switch. Required (the sim backend
	// always simulates one).
	Contact InputConfig `yaml:"contact"`
	// Exit is the request-to-exit (REX) button. Optional: an empty line
	// means none is fitted.
	Exit InputConfig `yaml:"rex"`
	// Fire is the fire-alarm release input. Optional: an empty line means
	// none is fitted.
	Fire InputConfig `yaml:"fire"`
	// Poll is how often the inputs are sampled.
	Poll time.Duration `yaml:"poll"`
}

// LockConfig describes the lock relay output.
type LockConfig struct {
	// Line is the GPIO line driving the relay: a line name ("LOCK",
	// "GPIO17") or a line number on Chip ("17").
	Line LineRef `yaml:"line"`
	// Active is the output level that energises the relay: "high" for most
	// transistor drivers, "low" for many opto-isolated relay boards.
	Active Level `yaml:"active"`
	// Type is "fail-secure" (strike: energised = unlocked) or "fail-safe"
	// (maglock: energised = locked).
	Type LockType `yaml:"type"`
}

// InputConfig describes one switch input.
type InputConfig struct {
	// Line is the GPIO line: a line name or a line number on Chip. Empty
	// means not fitted (allowed for rex and fire only).
	Line LineRef `yaml:"line"`
	// Type is "nc" when the switch conducts in its idle state (door
	// closed, no fire alarm, button released) or "no" when it conducts
	// only when active.
	Type SwitchType `yaml:"type"`
	// ClosedLevel is the level the line reads while the switch conducts:
	// "low" for a switch to ground with a pull-up (the usual wiring),
	// "high" for a switch to the supply with a pull-down.
	ClosedLevel Level `yaml:"closed_level"`
	// Bias is the internal pull resistor to request: "as-is", "pull-up",
	// "pull-down" or "disable".
	Bias Bias `yaml:"bias"`
	// Debounce is how long a new level must be stable before it counts.
	Debounce time.Duration `yaml:"debounce"`
}

// LineRef names a GPIO line by name or by number. A value made only of
// decimal digits is a line number; anything else is a line name.
type LineRef string

// Number returns the line number and true when r is a number.
func (r LineRef) Number() (int, bool) {
	s := string(r)
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Defaults returns the default configuration: gpiochip backend on
// gpiochip0, fail-secure active-high lock, 5 s release, NC contact and
// fire input and NO exit button switching to ground, 50 ms debounce.
// Lock.Line and Contact.Line have no default.
func Defaults() Config {
	return Config{
		Backend:          "gpiochip",
		Chip:             "gpiochip0",
		Lock:             LockConfig{Active: High, Type: FailSecure},
		Release:          5 * time.Second,
		HeldOpenPrealarm: 20 * time.Second,
		HeldOpenAlarm:    30 * time.Second,
		Contact:          InputConfig{Type: NormallyClosed, ClosedLevel: Low, Bias: BiasAsIs, Debounce: 50 * time.Millisecond},
		Exit:             InputConfig{Type: NormallyOpen, ClosedLevel: Low, Bias: BiasAsIs, Debounce: 50 * time.Millisecond},
		Fire:             InputConfig{Type: NormallyClosed, ClosedLevel: Low, Bias: BiasAsIs, Debounce: 50 * time.Millisecond},
		Poll:             20 * time.Millisecond,
	}
}

// Validate checks the configuration and returns every problem found,
// each naming the field, the bad value and what to use instead.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if _, ok := lookupBackend(c.Backend); !ok {
		bad("door.backend: %q is not a known backend; use one of %s", c.Backend, strings.Join(Backends(), ", "))
	}
	if c.Backend == "gpiochip" && c.Chip == "" {
		bad("door.chip: empty; name the GPIO chip by name (gpiochip0), label or path (/dev/gpiochip0)")
	}
	if c.Lock.Line == "" && c.Backend != "sim" {
		bad("door.lock.line: empty; name the relay output line by name (GPIO17) or number (17)")
	}
	checkLevel(&errs, "door.lock.active", c.Lock.Active)
	if c.Lock.Type != FailSecure && c.Lock.Type != FailSafe {
		bad("door.lock.type: %q is not a lock type; use fail-secure (strike) or fail-safe (maglock)", c.Lock.Type)
	}
	// ULC 60839-11-1: release time >= 3 s.
	if c.Release < MinRelease {
		bad("door.release: %v is below the 3 s minimum (ULC 60839-11-1); use 3s or more", c.Release)
	}
	if c.Release > time.Hour {
		bad("door.release: %v is longer than an hour; use a few seconds (default 5s)", c.Release)
	}
	if c.HeldOpenPrealarm < 0 {
		bad("door.held_open_prealarm: %v is negative; use 0s to disable or a duration such as 20s", c.HeldOpenPrealarm)
	}
	if c.HeldOpenAlarm < 0 {
		bad("door.held_open_alarm: %v is negative; use 0s to disable or a duration such as 30s", c.HeldOpenAlarm)
	}
	if c.HeldOpenPrealarm > 0 && c.HeldOpenAlarm > 0 && c.HeldOpenPrealarm >= c.HeldOpenAlarm {
		bad("door.held_open_prealarm: %v is not shorter than door.held_open_alarm %v; make the pre-alarm earlier than the alarm", c.HeldOpenPrealarm, c.HeldOpenAlarm)
	}
	if c.Contact.Line == "" && c.Backend != "sim" {
		bad("door.contact.line: empty; the door contact is required to detect forced and held-open doors")
	}
	checkInput(&errs, "door.contact", c.Contact)
	checkInput(&errs, "door.rex", c.Exit)
	checkInput(&errs, "door.fire", c.Fire)
	seen := map[LineRef]string{}
	for _, l := range []struct {
		field string
		ref   LineRef
	}{{"door.lock.line", c.Lock.Line}, {"door.contact.line", c.Contact.Line}, {"door.rex.line", c.Exit.Line}, {"door.fire.line", c.Fire.Line}} {
		if l.ref == "" {
			continue
		}
		if prev, dup := seen[l.ref]; dup {
			bad("%s: %q is already used by %s; give each signal its own line", l.field, l.ref, prev)
		}
		seen[l.ref] = l.field
	}
	if c.Poll < time.Millisecond || c.Poll > 500*time.Millisecond {
		bad("door.poll: %v is outside 1ms..500ms; use 20ms", c.Poll)
	}
	return errors.Join(errs...)
}

func checkLevel(errs *[]error, field string, l Level) {
	if l != High && l != Low {
		*errs = append(*errs, fmt.Errorf("%s: %q is not a level; use high or low", field, l))
	}
}

func checkInput(errs *[]error, field string, in InputConfig) {
	if in.Line == "" {
		return
	}
	if in.Type != NormallyClosed && in.Type != NormallyOpen {
		*errs = append(*errs, fmt.Errorf("%s.type: %q is not a switch type; use nc (conducts when idle) or no (conducts when active)", field, in.Type))
	}
	checkLevel(errs, field+".closed_level", in.ClosedLevel)
	switch in.Bias {
	case BiasAsIs, BiasPullUp, BiasPullDown, BiasDisable:
	default:
		*errs = append(*errs, fmt.Errorf("%s.bias: %q is not a bias; use as-is, pull-up, pull-down or disable", field, in.Bias))
	}
	if in.Debounce < 0 || in.Debounce > 2*time.Second {
		*errs = append(*errs, fmt.Errorf("%s.debounce: %v is outside 0s..2s; use 50ms", field, in.Debounce))
	}
}

// ParseConfigFile decodes a YAML document whose top-level key `door:`
// holds a Config (other top-level keys are ignored, so the daemon's whole
// configuration file can be passed). Unknown keys inside `door:` are
// errors. Defaults fill unset fields; the result is validated.
func ParseConfigFile(data []byte) (Config, error) {
	var probe struct {
		Door yaml.Node `yaml:"door"`
	}
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if probe.Door.Kind == 0 {
		return Config{}, errors.New("config: no top-level door: section")
	}
	cfg := Defaults()
	var top struct {
		Door *Config              `yaml:"door"`
		Rest map[string]yaml.Node `yaml:",inline"`
	}
	top.Door = &cfg
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&top); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "time.Duration") {
			msg += " (durations need a unit: 5s, 500ms)"
		}
		return Config{}, fmt.Errorf("config: %s", msg)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}
