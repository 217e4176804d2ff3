import type { FmtCommand } from './args';
import type { CliIO } from './main';
export async function runFmt(command: FmtCommand, io: CliIO): Promise<number> { void command; void io; return 0; }
