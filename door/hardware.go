package door

import (
	"errors"

	"periph.io/x/conn/v3/gpio"
)

// Input is one digital input line as a backend provides it. Read returns
// the electrical level, or an error when the level could not be read; a
// failed read must never be reported as a level.
type Input interface {
	Read() (gpio.Level, error)
}

// Output is one digital output line as a backend provides it.
type Output interface {
	Out(l gpio.Level) error
}

// Lines are the GPIO lines a backend opened for one door. Exit and Fire
// are nil when not fitted.
type Lines struct {
	// Lock drives the lock relay. Backends request it already at the
	// locked level, before any input is requested.
	Lock Output
	// Contact reads the door position switch.
	Contact Input
	// Exit reads the request-to-exit button; nil when not fitted.
	Exit Input
	// Fire reads the fire-alarm release input; nil when not fitted.
	Fire Input
	// Sim is the simulated world of the sim backend; nil otherwise.
	Sim *Sim
	// Closer releases the lines; nil when there is nothing to release.
	Closer func() error
}

// Close releases the lines. The kernel may then return them to their
// default state (see the package documentation).
func (l *Lines) Close() error {
	if l == nil || l.Closer == nil {
		return nil
	}
	return l.Closer()
}

// Lock is the lock relay seen as a lock.
type Lock interface {
	// SetLocked drives the relay to the locked or released level.
	SetLocked(locked bool) error
}

// DoorContact is the door position switch.
type DoorContact interface {
	// Closed reports whether the door is closed. On error the position is
	// unknown: the bool is meaningless.
	Closed() (bool, error)
}

// ExitButton is the request-to-exit button.
type ExitButton interface {
	// Pressed reports whether the button is pressed.
	Pressed() (bool, error)
}

// FireInput is the fire-alarm release input.
type FireInput interface {
	// Active reports whether the fire alarm asks for release.
	Active() (bool, error)
}

// Hardware is the set of roles the controller drives. Exit and Fire may be
// nil (not fitted).
type Hardware struct {
	Lock    Lock
	Contact DoorContact
	Exit    ExitButton
	Fire    FireInput
}

// NewHardware interprets lines according to cfg: lock polarity and type,
// and each switch's type and wiring.
func NewHardware(cfg Config, l *Lines) (Hardware, error) {
	if l == nil || l.Lock == nil || l.Contact == nil {
		return Hardware{}, errors.New("door: backend returned no lock or contact line")
	}
	hw := Hardware{
		Lock:    Relay{Out: l.Lock, LockedLevel: LockedLevel(cfg.Lock)},
		Contact: contact{NewSwitch(l.Contact, cfg.Contact)},
	}
	if l.Exit != nil {
		hw.Exit = exitButton{NewSwitch(l.Exit, cfg.Exit)}
	}
	if l.Fire != nil {
		hw.Fire = fireInput{NewSwitch(l.Fire, cfg.Fire)}
	}
	return hw, nil
}

// LockedLevel returns the output level that locks the door: the relay's
// active level for a fail-safe lock (energised = locked), the opposite
// level for a fail-secure lock (energised = unlocked).
func LockedLevel(c LockConfig) gpio.Level {
	active := gpio.Level(c.Active == High)
	if c.Type == FailSafe {
		return active
	}
	return !active
}

// Relay drives a lock relay through an output line.
type Relay struct {
	// Out is the relay driver line.
	Out Output
	// LockedLevel is the level that locks the door (see LockedLevel).
	LockedLevel gpio.Level
}

// SetLocked implements Lock.
func (r Relay) SetLocked(locked bool) error {
	if locked {
		return r.Out.Out(r.LockedLevel)
	}
	return r.Out.Out(!r.LockedLevel)
}

// Switch interprets a switch input: it is "active" when not in its idle
// state (door open, button pressed, fire alarm).
type Switch struct {
	// In is the input line.
	In Input
	// ClosedLevel is the level read while the switch conducts.
	ClosedLevel gpio.Level
	// NormallyClosed is true when the switch conducts while idle.
	NormallyClosed bool
}

// NewSwitch interprets in according to c (switch type and wiring).
func NewSwitch(in Input, c InputConfig) Switch {
	return Switch{In: in, ClosedLevel: gpio.Level(c.ClosedLevel == High), NormallyClosed: c.Type == NormallyClosed}
}

// Active reads the line and reports whether the switch is out of its idle
// state.
func (s Switch) Active() (bool, error) {
	l, err := s.In.Read()
	if err != nil {
		return false, err
	}
	return s.ActiveAt(l), nil
}

// ActiveAt reports whether level l means the switch is out of its idle
// state.
func (s Switch) ActiveAt(l gpio.Level) bool {
	conducting := l == s.ClosedLevel
	return conducting != s.NormallyClosed
}

type contact struct{ Switch }

func (c contact) Closed() (bool, error) {
	open, err := c.Active()
	return !open, err
}

type exitButton struct{ Switch }

func (b exitButton) Pressed() (bool, error) { return b.Active() }

type fireInput struct{ Switch }

func (f fireInput) Active() (bool, error) { return f.Switch.Active() }

// PeriphIn adapts a periph input pin whose Read cannot fail (such as
// gpiotest.Pin) to Input. Do not use it with gpioioctl lines: their Read
// reports a failed ioctl as Low.
func PeriphIn(p gpio.PinIn) Input { return periphIn{p} }

type periphIn struct{ p gpio.PinIn }

func (p periphIn) Read() (gpio.Level, error) { return p.p.Read(), nil }

// PeriphOut adapts a periph output pin to Output.
func PeriphOut(p gpio.PinOut) Output { return periphOut{p} }

type periphOut struct{ p gpio.PinOut }

func (p periphOut) Out(l gpio.Level) error { return p.p.Out(l) }
