//go:build windows

package prompt

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

var procGetConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

// errHiddenConsole: a console without a window (a process an IDE or GUI
// launcher started with a hidden console) opens CONIN$, but nobody can see
// the prompt or type into it.
var errHiddenConsole = errors.New("the console has no window")

// Windows has no /dev/tty: the console's input and output buffers are
// opened by their reserved names instead, and only for a console that has
// a window someone can type into.
func openTTY() (in, out *os.File, err error) {
	if err := procGetConsoleWindow.Find(); err != nil {
		return nil, nil, err
	}
	if hwnd, _, _ := procGetConsoleWindow.Call(); hwnd == 0 {
		return nil, nil, errHiddenConsole
	}
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
