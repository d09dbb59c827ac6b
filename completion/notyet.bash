# bash completion for notyet: commands, options, follow-up ids, zone names.
# Installed by meson into bash-completion's completions folder.

_notyet_zones()
{
    (cd /usr/share/zoneinfo 2>/dev/null &&
        find . -path './[A-Z]*' -type f ! -name '*.tab' 2>/dev/null | sed 's|^\./||')
}

# Follow-up ids from `notyet followups --format json`, with the --config and
# --db of the command line being completed.
_notyet_ids()
{
    local -a args=()
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        case ${COMP_WORDS[i]} in
        --config | --db)
            # bash splits "--db=FILE" into "--db" "=" "FILE".
            if [[ ${COMP_WORDS[i + 1]} == = ]]; then
                args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 2]}")
            else
                args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
            fi ;;
        esac
    done
    "${COMP_WORDS[0]}" "${args[@]}" --format json followups "$@" 2>/dev/null |
        sed -n 's/^ *"id" *: *\([0-9][0-9]*\).*/\1/p'
}

_notyet()
{
    local cur prev cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    [[ $prev == = && $COMP_CWORD -ge 2 ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
    [[ $cur == = ]] && cur=
    local commands="decide freebusy slots reply followups book export done cancel nudge calendars decisions init week help"
    local global="--config --db --now --tz --ics --offline --format --verbose --quiet --help --version"

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --config | --db | --now | --tz | --ics | --format)
            ((i++))
            [[ ${COMP_WORDS[i]} == = ]] && ((i++)) ;;
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    case $prev in
    --config | --db | --template | -o | --output | --ics | --password-command | --token-command)
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
        return ;;
    --tz | --their-tz)
        COMPREPLY=($(compgen -W "$(_notyet_zones)" -- "$cur"))
        return ;;
    --format)
        COMPREPLY=($(compgen -W "text json" -- "$cur"))
        return ;;
    --know | --trust | --recommend)
        COMPREPLY=($(compgen -W "yes no" -- "$cur"))
        return ;;
    --slot)
        COMPREPLY=($(compgen -W "1 2" -- "$cur"))
        return ;;
    --provider)
        COMPREPLY=($(compgen -W "fastmail icloud nextcloud radicale" -- "$cur"))
        return ;;
    --days)
        COMPREPLY=($(compgen -W "Mon-Fri Mon-Sat Mon-Sun" -- "$cur"))
        return ;;
    --color)
        COMPREPLY=($(compgen -W "never always auto" -- "$cur"))
        return ;;
    --now | --from | --to | --weeks | --email | --met | --closing | --their-hours | --name | \
        --phone | --hours | --url | --username | --busy | --holds)
        return ;;
    esac

    local opts=
    case $cmd in
    "") opts=$global
        [[ $cur == -* ]] || opts=$commands ;;
    decide) opts="--know --trust --recommend --no-call --reply --email --met --closing --their-tz --their-hours --template --dry-run --new --decline --no-hold" ;;
    freebusy) opts="--from --to" ;;
    slots) opts="--explain --their-tz --their-hours" ;;
    reply) opts="--email --met --closing --their-tz --their-hours --template --dry-run --new --decline --no-hold" ;;
    followups) opts="--all" ;;
    book) opts="--slot --force --send" ;;
    cancel) opts="--send" ;;
    nudge) opts="--template --dry-run --no-hold" ;;
    init) opts="--name --email --phone --days --hours --url --provider --username --password-command --token-command --busy --holds --no-calendar --force --yes" ;;
    export) opts="--output --force --all" ;;
    week) opts="--from --weeks --color" ;;
    help) opts=$commands ;;
    esac
    if [[ -n $cmd && $cur == -* ]]; then
        opts="$opts $global"
    elif [[ -n $cmd && $cur != -* ]]; then
        case $cmd in
        book | done | cancel | nudge)
            opts="$(_notyet_ids)" ;;
        export)
            opts="$(_notyet_ids --all)" ;;
        help) ;;
        *) opts= ;;
        esac
    fi
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _notyet notyet
