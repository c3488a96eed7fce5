// Every CLI command. A tool adds its module and one entry here.
import type { Command } from '../framework';
import { serve } from './serve';
import { tcpListen, tcpSend } from './tcp';

export const commands: Command[] = [
  serve,
  tcpListen,
  tcpSend,
  // more commands are registered below this line
];
