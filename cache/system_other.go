//go:build !linux

package cache

import "runtime"

// systemName follows the keyring go-keyring uses on this OS.
var systemName = func() string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return "keychain"
	case "windows":
		return "wincred"
	default:
		return "secret-service" // the BSDs use it through go-keyring too
	}
}()

// checkBus is only done on Linux: macOS and Windows do not use D-Bus, and the
// BSDs (rare for credproc) go straight to go-keyring.
func checkBus() error { return nil }
