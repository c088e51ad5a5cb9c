package organizationstest

import (
	"sync"
	"time"
)

// clock is a controllable Options.Now. Its readings carry nanoseconds and a non-UTC zone on
// purpose, so that every test proves the Service stores UTC microseconds and the store
// gives back exactly what the Service returned.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
	return &clock{now: time.Date(2031, time.May, 17, 9, 30, 0, 123456789, zone)}
}

// Now returns the current reading.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d and a few hundred nanoseconds, so that sub-microsecond
// noise stays in every reading.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d + 317*time.Nanosecond)
}
