# fish completion for notyet: commands, options, follow-up ids, zone names.

set -l commands decide freebusy slots reply followups book export done cancel nudge calendars decisions init week help

function __notyet_zones
    if test -d /usr/share/zoneinfo
        pushd /usr/share/zoneinfo
        find . -path './[A-Z]*' -type f ! -name '*.tab' 2>/dev/null | string replace -r '^\./' ''
        popd
    end
end

# Follow-up ids from `notyet followups --format json`, with the --config and
# --db of the command line.
function __notyet_ids
    set -l tokens (commandline -opc)
    set -l args
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case --config --db
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    set args $args $tokens[$i] $tokens[$next]
                end
            case '--config=*' '--db=*'
                set args $args $tokens[$i]
        end
    end
    $tokens[1] $args --format json followups $argv 2>/dev/null | string replace -rf '^ *"id" *: *([0-9]+).*' '$1'
end

complete -c notyet -f
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a decide -d 'Walk the three questions for a connection invite'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a freebusy -d 'Show the merged busy periods of your calendars'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a slots -d 'Show the open slots a reply would offer now'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a reply -d 'Write the reply letter with two open slots'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a followups -d 'List pending follow-up calls'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a book -d 'Book the call at the time they picked'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a export -d 'Write the .ics invite for a booked call'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a done -d 'Mark a follow-up call as done'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a cancel -d 'Cancel a follow-up'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a nudge -d 'Send new times for an offer that got no answer'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a calendars -d 'List the configured calendars'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a decisions -d 'List the recorded decisions, newest first'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a init -d 'Set up: ask, find the calendars, write the configuration'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a week -d 'Show the working days as a grid of busy and open times'
complete -c notyet -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the help of a command'
complete -c notyet -n "__fish_seen_subcommand_from help" -a "$commands"

# Global options, before or after the command.
complete -c notyet -l config -r -F -d 'Read the configuration from FILE'
complete -c notyet -l db -r -F -d 'Use FILE as the follow-up store'
complete -c notyet -l now -x -d 'Pretend the time is T (ISO 8601)'
complete -c notyet -l tz -x -a '(__notyet_zones)' -d 'Use ZONE as your time zone'
complete -c notyet -l ics -r -F -d 'A busy source instead of the configured calendars'
complete -c notyet -l offline -d 'Answer from the local cache, without network'
complete -c notyet -l format -x -a 'text json' -d 'Output format'
complete -c notyet -s v -l verbose -d 'Say more'
complete -c notyet -s q -l quiet -d 'Print no warnings'
complete -c notyet -s h -l help -d 'Show the help'
complete -c notyet -l version -d 'Print the version'

# decide and reply
complete -c notyet -n "__fish_seen_subcommand_from decide" -l know -x -a 'yes no' -d 'Do I know them professionally?'
complete -c notyet -n "__fish_seen_subcommand_from decide" -l trust -x -a 'yes no' -d 'Are they trustworthy?'
complete -c notyet -n "__fish_seen_subcommand_from decide" -l recommend -x -a 'yes no' -d 'Would I recommend them?'
complete -c notyet -n "__fish_seen_subcommand_from decide" -l no-call -d 'Decline without offering a call'
complete -c notyet -n "__fish_seen_subcommand_from decide" -l reply -d 'Go on to the letter'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l email -x -d 'Their address'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l met -x -d 'Where you met'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l closing -x -d 'A last line'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l their-tz -x -a '(__notyet_zones)' -d 'Their time zone'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l template -r -F -d 'The letter template'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -s n -l dry-run -d 'Record nothing'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l new -d 'A separate follow-up, though they have a pending one'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l decline -d 'Write the short decline note instead'
complete -c notyet -n "__fish_seen_subcommand_from decide reply" -l no-hold -d 'Write no holds on the holds= calendar'
complete -c notyet -n "__fish_seen_subcommand_from decide reply slots" -l their-hours -x -d 'Their day with --their-tz (HH:MM-HH:MM)'
complete -c notyet -n "__fish_seen_subcommand_from slots" -l their-tz -x -a '(__notyet_zones)' -d 'Their time zone'

# the other commands
complete -c notyet -n "__fish_seen_subcommand_from freebusy" -l from -x -d 'Start of the window'
complete -c notyet -n "__fish_seen_subcommand_from freebusy" -l to -x -d 'End of the window'
complete -c notyet -n "__fish_seen_subcommand_from slots" -l explain -d 'Say why earlier times were passed over'
complete -c notyet -n "__fish_seen_subcommand_from week" -l from -x -d 'The first day'
complete -c notyet -n "__fish_seen_subcommand_from week" -l weeks -x -d 'How many weeks (1-52)'
complete -c notyet -n "__fish_seen_subcommand_from week" -l color -x -a 'never always auto' -d 'Colours'
complete -c notyet -n "__fish_seen_subcommand_from followups" -s a -l all -d 'Also done and cancelled'
complete -c notyet -n "__fish_seen_subcommand_from book" -l slot -x -a '1 2' -d 'Offered time N, or a time'
complete -c notyet -n "__fish_seen_subcommand_from book" -l force -d 'Book a typed time outside the working hours or off the grid'
complete -c notyet -n "__fish_seen_subcommand_from book" -l send -d 'Let the calendar server send the invitation'
complete -c notyet -n "__fish_seen_subcommand_from cancel" -l send -d 'Let the calendar server send the cancellation'
complete -c notyet -n "__fish_seen_subcommand_from book done cancel nudge" -x -a '(__notyet_ids)'
complete -c notyet -n "__fish_seen_subcommand_from nudge" -l template -r -F -d 'The nudge template'
complete -c notyet -n "__fish_seen_subcommand_from nudge" -s n -l dry-run -d 'Record nothing'
complete -c notyet -n "__fish_seen_subcommand_from nudge" -l no-hold -d 'Write no holds for the new times'
complete -c notyet -n "__fish_seen_subcommand_from init" -l name -x -d 'Your name'
complete -c notyet -n "__fish_seen_subcommand_from init" -l email -x -d 'Your email address'
complete -c notyet -n "__fish_seen_subcommand_from init" -l phone -x -d 'Your phone number'
complete -c notyet -n "__fish_seen_subcommand_from init" -l days -x -a 'Mon-Fri Mon-Sat' -d 'Working days'
complete -c notyet -n "__fish_seen_subcommand_from init" -l hours -x -d 'Working hours (09:00-17:00)'
complete -c notyet -n "__fish_seen_subcommand_from init" -l url -x -d 'The CalDAV server (URL or domain)'
complete -c notyet -n "__fish_seen_subcommand_from init" -l provider -x -a 'fastmail icloud nextcloud radicale' -d 'A known provider'
complete -c notyet -n "__fish_seen_subcommand_from init" -l username -x -d 'The user name on the server'
complete -c notyet -n "__fish_seen_subcommand_from init" -l password-command -x -d 'A command that prints the password'
complete -c notyet -n "__fish_seen_subcommand_from init" -l token-command -x -d 'A command that prints a Bearer token'
complete -c notyet -n "__fish_seen_subcommand_from init" -l busy -x -d 'The calendars that count as busy (CAL;CAL)'
complete -c notyet -n "__fish_seen_subcommand_from init" -l holds -x -d 'The calendar that gets holds'
complete -c notyet -n "__fish_seen_subcommand_from init" -l no-calendar -d 'Write no calendar (use --ics files)'
complete -c notyet -n "__fish_seen_subcommand_from init" -l force -d 'Replace an existing configuration'
complete -c notyet -n "__fish_seen_subcommand_from init" -s y -l yes -d 'Take the defaults, ask nothing'
complete -c notyet -n "__fish_seen_subcommand_from export" -x -a '(__notyet_ids --all)'
complete -c notyet -n "__fish_seen_subcommand_from export" -s o -l output -r -F -d 'Write to FILE'
complete -c notyet -n "__fish_seen_subcommand_from export" -s f -l force -d 'Replace FILE'
complete -c notyet -n "__fish_seen_subcommand_from export" -s a -l all -d 'Every upcoming booked call'
