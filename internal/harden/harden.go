// Package harden keeps secrets in credproc's memory from leaving it through
// the operating system: no core dumps while a long-lived key or session is
// held.
package harden
