package mqtt

import (
	"time"

	"golang.org/x/sys/unix"
)

// clockFloor is a date the device clock cannot legitimately be before: a
// clock earlier than this has not been set since boot (a Raspberry Pi has no
// RTC and starts at 1970 until NTP).
var clockFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// ClockSynced reports whether the system clock looks synchronised: it is
// after clockFloor and the kernel does not flag it unsynchronised
// (adjtimex STA_UNSYNC, cleared by NTP/chrony/timesyncd).
func ClockSynced() bool {
	if time.Now().Before(clockFloor) {
		return false
	}
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return true // not available: trust the floor check
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
}
