package door

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
)

func init() {
	RegisterBackend("sim", func(cfg Config) (*Lines, error) { return NewSim(cfg).Lines(), nil })
}

// Input names used by Sim, events and the door test tool.
const (
	InputContact = "contact"
	InputExit    = "rex"
	InputFire    = "fire"
)

// Sim is the simulated door of the "sim" backend: in-memory lines whose
// levels follow the configured wiring, so the controller's level handling
// runs exactly as on hardware. The demo and tests move the door, press the
// button and raise the fire alarm through its methods. It is safe for
// concurrent use.
type Sim struct {
	cfg Config

	mu     sync.Mutex
	lock   gpio.Level
	writes int
	levels map[string]gpio.Level
	errs   map[string]error
}

// NewSim returns a simulated door with the lock at its locked level, the
// door closed, the exit button released and no fire alarm.
func NewSim(cfg Config) *Sim {
	s := &Sim{cfg: cfg, lock: LockedLevel(cfg.Lock), levels: map[string]gpio.Level{}, errs: map[string]error{}}
	s.levels[InputContact] = s.levelFor(cfg.Contact, false)
	s.levels[InputExit] = s.levelFor(cfg.Exit, false)
	s.levels[InputFire] = s.levelFor(cfg.Fire, false)
	return s
}

// levelFor returns the level an input wired per c reads when active
// (door open, pressed, fire) or idle.
func (s *Sim) levelFor(c InputConfig, active bool) gpio.Level {
	closed := gpio.Level(c.ClosedLevel == High)
	conducting := active != (c.Type == NormallyClosed)
	if conducting {
		return closed
	}
	return !closed
}

// Lines returns the simulated lines. Exit and Fire are present only when
// their line is configured.
func (s *Sim) Lines() *Lines {
	l := &Lines{Lock: simOut{s}, Contact: simIn{s, InputContact}, Sim: s}
	if s.cfg.Exit.Line != "" {
		l.Exit = simIn{s, InputExit}
	}
	if s.cfg.Fire.Line != "" {
		l.Fire = simIn{s, InputFire}
	}
	return l
}

// SetOpen opens or closes the simulated door.
func (s *Sim) SetOpen(open bool) { s.set(InputContact, s.cfg.Contact, open) }

// SetExitPressed presses or releases the simulated exit button.
func (s *Sim) SetExitPressed(pressed bool) { s.set(InputExit, s.cfg.Exit, pressed) }

// SetFire raises or clears the simulated fire alarm.
func (s *Sim) SetFire(active bool) { s.set(InputFire, s.cfg.Fire, active) }

func (s *Sim) set(name string, c InputConfig, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.levels[name] = s.levelFor(c, active)
}

// SetReadError makes reads of input (InputContact, InputExit, InputFire)
// fail with err until called again with nil.
func (s *Sim) SetReadError(input string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[input] = err
}

// LockLevel returns the level last driven on the lock line.
func (s *Sim) LockLevel() gpio.Level {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock
}

// Locked reports whether the lock line is at its locked level.
func (s *Sim) Locked() bool { return s.LockLevel() == LockedLevel(s.cfg.Lock) }

// LockWrites returns how many times the lock line was driven.
func (s *Sim) LockWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

type simOut struct{ s *Sim }

func (o simOut) Out(l gpio.Level) error {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.lock = l
	o.s.writes++
	return nil
}

type simIn struct {
	s    *Sim
	name string
}

func (i simIn) Read() (gpio.Level, error) {
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	if err := i.s.errs[i.name]; err != nil {
		return gpio.Low, fmt.Errorf("read sim %s: %w", i.name, err)
	}
	return i.s.levels[i.name], nil
}
