// `xos completion bash|zsh`: a completion script for the commands, their options, the object
// types and each type's fields, written from the command tree and the model definitions as they
// are in this version. zsh runs the same function through its bash compatibility layer.
import type { Command } from 'commander';
import { models } from '../model/registry.js';
import { FORMATS } from './formats.js';

// Commands whose next word is an object type, and those after which come `field=value` words
// (from this position on).
const TYPED = ['list', 'show', 'create', 'update', 'delete', 'models'];
const FIELDS_FROM: Record<string, number> = { list: 3, create: 3, update: 4 };

const words = (xs: readonly string[]) => xs.join(' ');
const longOptions = (c: Command) => c.options.map((o) => o.long).filter((x): x is string => Boolean(x));

export function bashCompletion(program: Command): string {
  const commands = program.commands.map((c) => c.name());
  const sub = program.commands.filter((c) => c.commands.length);
  const types = models.flatMap((m) => [m.name.toLowerCase(), m.plural]);
  const typeCases = models
    .map((m) => {
      const fields = Object.entries(m.fields).filter(([, d]) => !d.hidden && !d.readOnly).map(([f]) => `${f}=`);
      return `      ${m.name.toLowerCase()}|${m.plural}) fields="${words(fields)}" ;;`;
    })
    .join('\n');
  const optionCases = program.commands
    .map((c) => `      ${c.name()}) opts="${words([...longOptions(c), '--help'])}" ;;`)
    .join('\n');
  const subCases = sub.map((c) => `      ${c.name()}) COMPREPLY=($(compgen -W "${words(c.commands.map((s) => s.name()))}" -- "$cur")) ;;`).join('\n');
  const fieldCases = Object.entries(FIELDS_FROM).map(([c, n]) => `    ${c}) from=${n} ;;`).join('\n');
  return `# xos completion for bash: eval "$(xos completion bash)", or save it under
# /etc/bash_completion.d/xos.
_xos_completion() {
  local cur prev cmd opts fields from
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  COMPREPLY=()
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words(commands)} --help --version --config --url" -- "$cur"))
    return
  fi
  if [[ "$prev" == "-o" || "$prev" == "--output" ]]; then
    COMPREPLY=($(compgen -W "${words(FORMATS)}" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${optionCases}
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  if [[ $COMP_CWORD -eq 2 ]]; then
    case "$cmd" in
      ${TYPED.join('|')}) COMPREPLY=($(compgen -W "${words(types)}" -- "$cur")) ;;
      completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
${subCases}
    esac
    return
  fi
  case "$cmd" in
${fieldCases}
    *) return ;;
  esac
  # a value after field= is the user's own (bash splits the word at "=")
  [[ "$cur" == "=" || "$prev" == "=" ]] && return
  if [[ $COMP_CWORD -ge $from ]]; then
    case "\${COMP_WORDS[2]}" in
${typeCases}
    esac
    compopt -o nospace 2>/dev/null
    COMPREPLY=($(compgen -W "$fields" -- "$cur"))
  fi
}
complete -F _xos_completion xos
`;
}

export function addCompletionCommand(program: Command) {
  program
    .command('completion <shell>')
    .description('Print shell completion for commands, types and fields: eval "$(xos completion bash)"')
    .action((shell: string) => {
      const bash = bashCompletion(program);
      if (shell === 'bash') process.stdout.write(bash);
      else if (shell === 'zsh') process.stdout.write(`#compdef xos\n# xos completion for zsh: eval "$(xos completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bash}`);
      else throw new Error(`shell: "${shell}" is not one of bash, zsh`);
    });
}
