package cli

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/credproc/credproc/internal/awsconfig"
)

// completeCmd is the hidden command the completion scripts call for the
// names that change: profiles in the config file, sources in the index.
const completeCmd = "__complete"

// What a flag's value or a command's arguments complete to. Flags not
// listed here take free text.
var (
	flagValues = map[string]string{"profile": "profiles", "source": "sources+profiles", "format": "formats"}
	argValues  = map[string]string{
		"help": "commands", "completion": "shells", "forget": "profiles", "remove": "sources", "setup": "profiles",
	}
	fixedWords = map[string][]string{
		"formats": {"sh", "fish", "powershell", "json"},
		"shells":  {"bash", "zsh", "fish", "powershell"},
	}
)

// complSpec is what the completion scripts know about one command.
type complSpec struct {
	name, summary string
	bools, values []string // flag names, sorted
	args          string   // argValues kind, or ""
	flagHelp      map[string]string
}

// completionSpecs reads the command table; "process" stands for the
// credential_process mode's flags before any command.
func completionSpecs(ctx context.Context) ([]complSpec, error) {
	var specs []complSpec
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fs, err := commandFlags(ctx, c)
		if err != nil {
			return nil, err
		}
		s := complSpec{name: c.name, summary: c.summary, args: argValues[c.name], flagHelp: map[string]string{}}
		fs.VisitAll(func(f *flag.Flag) {
			s.flagHelp[f.Name] = f.Usage
			if flagPlaceholder(f) == "" {
				s.bools = append(s.bools, f.Name)
			} else {
				s.values = append(s.values, f.Name)
			}
		})
		s.bools = append(s.bools, "help")
		s.flagHelp["help"] = "show this command's usage and flags"
		specs = append(specs, s)
	}
	return specs, nil
}

// cmdCompletion prints a completion script for a shell.
func cmdCompletion(ctx context.Context, u *ui, args []string) error {
	pos, err := parseFlags(newFlagSet("completion"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("completion: name one shell: bash, zsh, fish or powershell")
	}
	gen, ok := map[string]func(*strings.Builder, []complSpec){
		"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion, "powershell": powershellCompletion,
	}[pos[0]]
	if !ok {
		return usagef("completion: unknown shell %q: want bash, zsh, fish or powershell", pos[0])
	}
	specs, err := completionSpecs(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	gen(&b, specs)
	_, err = u.stdout.Write([]byte(b.String()))
	return err
}

// cmdComplete prints one candidate a line. It never fails loudly: a
// completion script has nowhere to show an error.
func cmdComplete(ctx context.Context, u *ui, args []string) error {
	pos, err := parseFlags(newFlagSet(completeCmd), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s: give profiles or sources", completeCmd)
	}
	var names []string
	switch pos[0] {
	case "profiles":
		if f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config); err == nil {
			names = f.ProfileNames()
		}
	case "sources":
		names, _ = openStore().Sources()
	default:
		return usagef("%s: give profiles or sources", completeCmd)
	}
	var b strings.Builder
	for _, n := range names {
		if n != "" && !strings.ContainsAny(n, " \t\r\n") {
			b.WriteString(n + "\n")
		}
	}
	_, err = fmt.Fprint(u.stdout, b.String())
	return err
}

func commandNames(specs []complSpec) []string {
	var names []string
	for _, s := range specs {
		if s.name != "process" {
			names = append(names, s.name)
		}
	}
	return names
}

func dashed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	return out
}

func bashCompletion(b *strings.Builder, specs []complSpec) {
	words := func(kind string) string {
		switch kind {
		case "profiles":
			return `$(command "${COMP_WORDS[0]}" ` + completeCmd + ` profiles 2>/dev/null)`
		case "sources":
			return `$(command "${COMP_WORDS[0]}" ` + completeCmd + ` sources 2>/dev/null)`
		case "sources+profiles":
			return `$(command "${COMP_WORDS[0]}" ` + completeCmd + ` sources 2>/dev/null) $(command "${COMP_WORDS[0]}" ` + completeCmd + ` profiles 2>/dev/null)`
		case "commands":
			return strings.Join(commandNames(specs), " ")
		}
		return strings.Join(fixedWords[kind], " ")
	}
	b.WriteString("# bash completion for credproc: source it, e.g. from ~/.bashrc:\n#   source <(credproc completion bash)\n")
	b.WriteString("_credproc() {\n")
	b.WriteString("\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=process bools= values=\n")
	b.WriteString("\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n")
	b.WriteString("\tlocal pf=${prev#-}\n\tpf=${pf#-}\n")
	b.WriteString("\tif ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} != -* ]]; then cmd=${COMP_WORDS[1]}; fi\n")
	b.WriteString("\tcase $cmd in\n")
	for _, s := range specs {
		fmt.Fprintf(b, "\t%s) bools=%q values=%q ;;\n", s.name, strings.Join(dashed(s.bools), " "), strings.Join(dashed(s.values), " "))
	}
	b.WriteString("\tesac\n")
	b.WriteString("\tif ((COMP_CWORD == 1)) && [[ $cur != -* ]]; then\n")
	fmt.Fprintf(b, "\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", strings.Join(commandNames(specs), " "))
	b.WriteString("\tif [[ $prev == -* && \" $values \" == *\" --$pf \"* ]]; then\n")
	b.WriteString("\t\tcase $pf in\n")
	for _, f := range slices.Sorted(maps.Keys(flagValues)) {
		fmt.Fprintf(b, "\t\t%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n", f, words(flagValues[f]))
	}
	b.WriteString("\t\t*) COMPREPLY=() ;;\n\t\tesac\n\t\treturn\n\tfi\n")
	b.WriteString("\tif [[ $cur == -* ]]; then\n")
	b.WriteString("\t\tlocal extra=\n\t\t((COMP_CWORD == 1)) && extra=\"--version\"\n")
	b.WriteString("\t\tCOMPREPLY=($(compgen -W \"$bools $values $extra\" -- \"$cur\"))\n\t\treturn\n\tfi\n")
	b.WriteString("\tcase $cmd in\n")
	for _, s := range specs {
		if s.args != "" {
			fmt.Fprintf(b, "\t%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n", s.name, words(s.args))
		}
	}
	b.WriteString("\t*) COMPREPLY=() ;;\n\tesac\n}\n")
	b.WriteString("complete -F _credproc credproc\n")
}

func zshCompletion(b *strings.Builder, specs []complSpec) {
	words := func(kind string) string {
		switch kind {
		case "profiles":
			return `${(f)"$(command $words[1] ` + completeCmd + ` profiles 2>/dev/null)"}`
		case "sources":
			return `${(f)"$(command $words[1] ` + completeCmd + ` sources 2>/dev/null)"}`
		case "sources+profiles":
			return `${(f)"$(command $words[1] ` + completeCmd + ` sources 2>/dev/null)"} ${(f)"$(command $words[1] ` + completeCmd + ` profiles 2>/dev/null)"}`
		case "commands":
			return strings.Join(commandNames(specs), " ")
		}
		return strings.Join(fixedWords[kind], " ")
	}
	b.WriteString("#compdef credproc\n# zsh completion for credproc: put it on $fpath as _credproc, e.g.\n")
	b.WriteString("#   credproc completion zsh > \"${fpath[1]}/_credproc\"\n# or, after compinit, source <(credproc completion zsh)\n")
	b.WriteString("_credproc() {\n\tlocal cur=$words[CURRENT] prev=$words[CURRENT-1] cmd=process\n\tlocal -a bools values cands\n")
	b.WriteString("\tlocal pf=${${prev#-}#-}\n")
	b.WriteString("\tif ((CURRENT > 2)) && [[ $words[2] != -* ]]; then cmd=$words[2]; fi\n")
	b.WriteString("\tcase $cmd in\n")
	for _, s := range specs {
		fmt.Fprintf(b, "\t%s) bools=(%s) values=(%s) ;;\n", s.name, strings.Join(dashed(s.bools), " "), strings.Join(dashed(s.values), " "))
	}
	b.WriteString("\tesac\n")
	b.WriteString("\tif ((CURRENT == 2)) && [[ $cur != -* ]]; then\n\t\tlocal -a cmds\n\t\tcmds=(\n")
	for _, s := range specs {
		if s.name != "process" {
			fmt.Fprintf(b, "\t\t\t%s\n", shQuote(s.name+":"+s.summary))
		}
	}
	b.WriteString("\t\t)\n\t\t_describe command cmds\n\t\treturn\n\tfi\n")
	b.WriteString("\tif [[ $prev == -* ]] && ((${values[(Ie)--$pf]})); then\n")
	b.WriteString("\t\tcase $pf in\n")
	for _, f := range slices.Sorted(maps.Keys(flagValues)) {
		fmt.Fprintf(b, "\t\t%s) cands=(%s) ;;\n", f, words(flagValues[f]))
	}
	b.WriteString("\t\t*) return 1 ;;\n\t\tesac\n\t\tcompadd -a cands\n\t\treturn\n\tfi\n")
	b.WriteString("\tif [[ $cur == -* ]]; then\n\t\tcands=($bools $values)\n\t\t((CURRENT == 2)) && cands+=(--version)\n\t\tcompadd -a cands\n\t\treturn\n\tfi\n")
	b.WriteString("\tcase $cmd in\n")
	for _, s := range specs {
		if s.args != "" {
			fmt.Fprintf(b, "\t%s) cands=(%s) ;;\n", s.name, words(s.args))
		}
	}
	b.WriteString("\t*) return 1 ;;\n\tesac\n\tcompadd -a cands\n}\n")
	b.WriteString("if [[ $funcstack[1] == _credproc ]]; then\n\t_credproc \"$@\"\nelse\n\tcompdef _credproc credproc\nfi\n")
}

func fishCompletion(b *strings.Builder, specs []complSpec) {
	words := func(kind string) string {
		switch kind {
		case "profiles":
			return "(credproc " + completeCmd + " profiles 2>/dev/null)"
		case "sources":
			return "(credproc " + completeCmd + " sources 2>/dev/null)"
		case "sources+profiles":
			return "(credproc " + completeCmd + " sources 2>/dev/null; credproc " + completeCmd + " profiles 2>/dev/null)"
		case "commands":
			return strings.Join(commandNames(specs), " ")
		}
		return strings.Join(fixedWords[kind], " ")
	}
	b.WriteString("# fish completion for credproc: save it as ~/.config/fish/completions/credproc.fish, e.g.\n")
	b.WriteString("#   credproc completion fish > ~/.config/fish/completions/credproc.fish\n")
	b.WriteString("complete -c credproc -f\n")
	for _, s := range specs {
		cond := "__fish_seen_subcommand_from " + s.name
		if s.name == "process" {
			cond = "__fish_use_subcommand"
			b.WriteString("complete -c credproc -n __fish_use_subcommand -l version -d 'print the version'\n")
		} else {
			fmt.Fprintf(b, "complete -c credproc -n __fish_use_subcommand -a %s -d %s\n", s.name, fishQuote(s.summary))
		}
		for _, f := range s.bools {
			fmt.Fprintf(b, "complete -c credproc -n %s -l %s -d %s\n", fishQuote(cond), f, fishQuote(s.flagHelp[f]))
		}
		for _, f := range s.values {
			fmt.Fprintf(b, "complete -c credproc -n %s -l %s -x", fishQuote(cond), f)
			if k, ok := flagValues[f]; ok {
				fmt.Fprintf(b, " -a %s", fishQuote(words(k)))
			}
			fmt.Fprintf(b, " -d %s\n", fishQuote(s.flagHelp[f]))
		}
		if s.args != "" {
			fmt.Fprintf(b, "complete -c credproc -n %s -a %s\n", fishQuote(cond), fishQuote(words(s.args)))
		}
	}
}

func psList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = powershellQuote(n)
	}
	return "@(" + strings.Join(q, ", ") + ")"
}

func powershellCompletion(b *strings.Builder, specs []complSpec) {
	words := func(kind string) string {
		switch kind {
		case "profiles":
			return "@(& $exe " + completeCmd + " profiles 2>$null)"
		case "sources":
			return "@(& $exe " + completeCmd + " sources 2>$null)"
		case "sources+profiles":
			return "@(& $exe " + completeCmd + " sources 2>$null) + @(& $exe " + completeCmd + " profiles 2>$null)"
		case "commands":
			return psList(commandNames(specs))
		}
		return psList(fixedWords[kind])
	}
	b.WriteString("# PowerShell completion for credproc: add to your profile ($PROFILE):\n")
	b.WriteString("#   credproc completion powershell | Out-String | Invoke-Expression\n")
	b.WriteString("Register-ArgumentCompleter -Native -CommandName credproc -ScriptBlock {\n")
	b.WriteString("\tparam($wordToComplete, $commandAst, $cursorPosition)\n")
	b.WriteString("\t$words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })\n")
	b.WriteString("\tif ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -First ($words.Count - 1)) }\n")
	b.WriteString("\t$exe = $words[0]\n\t$cmd = 'process'\n")
	b.WriteString("\tif ($words.Count -ge 2 -and -not $words[1].StartsWith('-')) { $cmd = $words[1] }\n")
	b.WriteString("\t$prev = $words[-1]\n\t$bools = @{}\n\t$values = @{}\n")
	for _, s := range specs {
		fmt.Fprintf(b, "\t$bools[%s] = %s\n\t$values[%s] = %s\n", powershellQuote(s.name), psList(dashed(s.bools)), powershellQuote(s.name), psList(dashed(s.values)))
	}
	b.WriteString("\t$cands = @()\n")
	b.WriteString("\tif ($words.Count -eq 1 -and -not $wordToComplete.StartsWith('-')) {\n\t\t$cands = " + words("commands") + "\n")
	b.WriteString("\t} elseif ($prev.StartsWith('-') -and $values[$cmd] -contains ('--' + $prev.TrimStart('-'))) {\n")
	b.WriteString("\t\tswitch ($prev.TrimStart('-')) {\n")
	for _, f := range slices.Sorted(maps.Keys(flagValues)) {
		fmt.Fprintf(b, "\t\t\t%s { $cands = %s }\n", powershellQuote(f), words(flagValues[f]))
	}
	b.WriteString("\t\t}\n\t} elseif ($wordToComplete.StartsWith('-')) {\n\t\t$cands = $bools[$cmd] + $values[$cmd]\n")
	b.WriteString("\t\tif ($words.Count -eq 1) { $cands += '--version' }\n\t} else {\n\t\tswitch ($cmd) {\n")
	for _, s := range specs {
		if s.args != "" {
			fmt.Fprintf(b, "\t\t\t%s { $cands = %s }\n", powershellQuote(s.name), words(s.args))
		}
	}
	b.WriteString("\t\t}\n\t}\n")
	b.WriteString("\t$cands | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n")
	b.WriteString("\t\t[System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)\n\t}\n}\n")
}
