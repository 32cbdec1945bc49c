# fish completion for logdeck(1): options with their descriptions, their
# values, profiles and themes. Installed as
# $(datadir)/fish/vendor_completions.d/logdeck.fish.

# The --config FILE given so far on the command line, for --list-profiles.
function __logdeck_config_args
	set -l words (commandline -opc)
	for i in (seq 2 (count $words))
		switch $words[$i]
			case --config
				set -l next (math $i + 1)
				test $next -le (count $words); and printf '%s\n' --config $words[$next]
			case '--config=*'
				printf '%s\n' $words[$i]
		end
	end
end

# Profiles of the configuration named on the command line (or the default).
function __logdeck_profiles
	set -l words (commandline -opc)
	$words[1] (__logdeck_config_args) --list-profiles 2>/dev/null
end

# Themes the lookup finds: name and where it comes from.
function __logdeck_themes
	set -l words (commandline -opc)
	$words[1] --list-themes 2>/dev/null
end

complete -c logdeck -f

# Connection
complete -c logdeck -s s -l server -x -d 'the log server (URL)'
complete -c logdeck -l token -x -d 'bearer token'
complete -c logdeck -l cacert -r -F -d 'trust the CA certificates in FILE'
complete -c logdeck -s k -l insecure -d "do not verify the server's TLS certificate"
complete -c logdeck -l http2 -d 'speak HTTP/2 to an http:// server that supports it'
complete -c logdeck -l heartbeat -x -d "the server's heartbeat in seconds"
complete -c logdeck -l max-event -x -d 'longest event kept whole (bytes)'

# Configuration
complete -c logdeck -l config -r -F -d 'read FILE instead of config.yaml'
complete -c logdeck -l profile -x -a '(__logdeck_profiles)' -d 'use a profile of the configuration'
complete -c logdeck -l print-config -d 'print the effective configuration and exit'
complete -c logdeck -l list-profiles -d 'list the profiles of the configuration and exit'
complete -c logdeck -l theme -r -F -a '(__logdeck_themes)' -d 'colour theme of the full-screen view'
complete -c logdeck -l list-themes -d 'list the themes found and exit'

# Output
complete -c logdeck -s f -l follow -d 'print lines as they arrive'
complete -c logdeck -s o -l output -x -a 'text json csv' -d 'output format'
complete -c logdeck -s l -l level -x -a 'trace debug info warn error fatal' -d 'only LEVEL and above'
complete -c logdeck -s g -l grep -x -d 'only lines whose message matches REGEX'
complete -c logdeck -s i -l ignore-case -d '--grep ignores case'
complete -c logdeck -s n -l tail -x -d 'start N lines back'
complete -c logdeck -l since -x -d 'start at TIME (ISO 8601) or 90s/10m/2h/1d back'
complete -c logdeck -l run -x -a previous -d 'follow run RUN: its number, its runId, or previous'
complete -c logdeck -l until-stopped -d 'with --follow: follow run after run, never exit'
complete -c logdeck -l until -r -d 'with --follow: stop when this rule fires or a line matches'
complete -c logdeck -l new-errors -d 'with --follow: only WARN and ERROR lines not seen in the last successful run'
complete -c logdeck -l alert -r -d 'add a rule for this run (KEY: VALUE, ...)'
complete -c logdeck -l quiet-after -r -d 'silence after which a running automation is quiet'
complete -c logdeck -l color -x -a 'auto always never' -d 'colour lines by level'
complete -c logdeck -l utc -d 'show timestamps in UTC'

# Full-screen view
complete -c logdeck -s m -l merged -d 'start in the merged view'
complete -c logdeck -s a -l all -d 'watch every automation that runs'
complete -c logdeck -l scrollback -x -d 'memory for the lines of all streams (MiB)'

complete -c logdeck -s v -l verbose -d 'more messages on stderr'
complete -c logdeck -s h -l help -d 'display help and exit'
complete -c logdeck -s V -l version -d 'output version information and exit'

# Sources and the "automations logs ID" form.
complete -c logdeck -n 'not string match -q -- "-*" (commandline -ct)' -a 'automations pipelines artifacts logs'
