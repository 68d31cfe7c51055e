package door

import (
	"log/slog"
	"time"
)

// Event kinds. Each state change of the door produces one Event whose Kind
// is one of these strings; they are stable names for MQTT consumers.
const (
	// KindStarted: the controller drove the lock to its locked level and
	// read its inputs for the first time.
	KindStarted = "started"
	// KindGrantedUnlock: a grant unlocked the door for the release time.
	KindGrantedUnlock = "granted_unlock"
	// KindREX: the request-to-exit button unlocked the door for the release
	// time.
	KindREX = "rex"
	// KindOpened: the door opened while unlocked (grant, REX or fire).
	KindOpened = "opened"
	// KindClosed: the door closed.
	KindClosed = "closed"
	// KindForcedOpen: the door opened while locked (alarm).
	KindForcedOpen = "forced_open"
	// KindHeldOpenPrealarm: the door has been open longer than
	// held_open_prealarm.
	KindHeldOpenPrealarm = "held_open_prealarm"
	// KindHeldOpenAlarm: the door has been open longer than
	// held_open_alarm (alarm).
	KindHeldOpenAlarm = "held_open_alarm"
	// KindRelocked: the lock returned to its locked level; Reason says why
	// ("release elapsed", "door closed", "fire release cleared",
	// "shutdown").
	KindRelocked = "relocked"
	// KindFireReleaseOn: the fire input became active; the lock is held
	// released until it clears.
	KindFireReleaseOn = "fire_release_on"
	// KindFireReleaseOff: the fire input cleared.
	KindFireReleaseOff = "fire_release_off"
	// KindInputError: reading an input failed (Input names it); its state
	// is unknown until KindInputOK. A failed read is never taken as
	// "closed" or "released".
	KindInputError = "input_error"
	// KindInputOK: an input that had failed has read without error for
	// 500 ms; its state counts again.
	KindInputOK = "input_ok"
	// KindLockError: driving the lock output failed; Err says why. The
	// controller retries on every poll.
	KindLockError = "lock_error"
	// KindStopped: the controller stopped (context cancelled) after
	// returning the lock to its locked level (or leaving it released while
	// fire release is active).
	KindStopped = "stopped"
)

// Event is one transition of the door controller.
type Event struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Time is when the transition was seen. It carries the monotonic clock
	// reading of the controller's clock, so Sub between events is immune to
	// wall-clock steps.
	Time time.Time `json:"time"`
	// Mono is the monotonic time since the controller started.
	Mono time.Duration `json:"mono_ns"`
	// Reason is the caller's reason for a grant, or why the lock changed.
	Reason string `json:"reason,omitempty"`
	// Input names the input of an input_error or input_ok event: "contact",
	// "rex" or "fire".
	Input string `json:"input,omitempty"`
	// Err is the error text of input_error and lock_error events.
	Err string `json:"err,omitempty"`
	// Locked and Open are the door state after the transition. Open is
	// meaningless when ContactOK is false.
	Locked    bool `json:"locked"`
	Open      bool `json:"open"`
	ContactOK bool `json:"contact_ok"`
	// Fire is true while fire release is active.
	Fire bool `json:"fire"`
}

// LogValue implements slog.LogValuer.
func (e Event) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", e.Kind), slog.Duration("mono", e.Mono)}
	if e.Reason != "" {
		attrs = append(attrs, slog.String("reason", e.Reason))
	}
	if e.Input != "" {
		attrs = append(attrs, slog.String("input", e.Input))
	}
	if e.Err != "" {
		attrs = append(attrs, slog.String("err", e.Err))
	}
	attrs = append(attrs, slog.Bool("locked", e.Locked), slog.Bool("open", e.Open), slog.Bool("contact_ok", e.ContactOK), slog.Bool("fire", e.Fire))
	return slog.GroupValue(attrs...)
}
