// `wirelab chat send-file NICK FILE`: offers a file in the direct conversation with NICK and exits 0
// once the peer has it and confirmed its SHA-256 (exit 1 when it is declined, cancelled, fails, or the
// timeout passes — an unfinished offer stays in this data dir and goes on with the next run).
import type { MessengerFileTransfer } from '../../shared/contract/messenger';
import { EXIT, UsageError, intArg, waitAtMost, type Command } from '../framework';
import { describeTransfer } from './messenger-accept';
import { common, commonUsage, directWith, open, printEvent, startMessenger } from './messenger';

export const chatSendFile: Command = {
  path: ['chat', 'send-file'],
  summary: 'Send a file to someone on the LAN messenger; exit 0 once they confirmed its checksum',
  usage: `wirelab chat send-file NICK FILE [--wait MS] [--timeout MS] [--nick N] [--data-dir D] [--peer H:P]…

  NICK            the person's nickname (or instance id)
  FILE            the file to send (its SHA-256 is computed first)
  --wait MS       how long to look for NICK if this data dir never met them (default 10000)
  --timeout MS    how long to wait for the transfer to finish (default 600000; exit 1, the offer stays)
${commonUsage}`,
  options: {
    ...common,
    wait: { type: 'string', default: '10000' },
    timeout: { type: 'string', default: '600000' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) throw new UsageError('usage: wirelab chat send-file NICK FILE');
    const [who, path] = positionals as [string, string];
    const wait = intArg(values.wait, '--wait', 0, 600_000);
    const timeout = intArg(values.timeout, '--timeout', 1, 24 * 3_600_000);
    const client = open(values);
    try {
      const { api, must } = client;
      await startMessenger(values, client, 'wirelab');
      const found = await directWith(client, who, wait, io);
      if (!found) return EXIT.FAILED;
      const { peer, conv } = found;
      let fileId = '';
      let last: MessengerFileTransfer | undefined;
      let lastState = '';
      const finished = new Promise<void>((resolve) => {
        client.onEvent((e) => {
          printEvent(e, io);
          if (e.engine !== 'messenger' || e.type !== 'file' || e.transfer.fileId !== fileId) return;
          last = e.transfer;
          if (last.state !== lastState) io.out(describeTransfer(last), { type: 'file', ...last });
          lastState = last.state;
          if (!['offered', 'transferring'].includes(last.state)) resolve();
        });
      });
      const offered = await must(api.messenger.fileOffer({ conversation: conv.id, path }));
      fileId = offered.fileId;
      io.out(`offered ${offered.name} (${offered.size} bytes, sha256 ${offered.sha256}) to ${peer.nick}`, {
        type: 'offered',
        ...offered,
      });
      // The transfer may have moved on before its id was known here.
      const now = (await must(api.messenger.files({}))).transfers.find((t) => t.fileId === fileId);
      if (now && !['offered', 'transferring'].includes(now.state)) last = now;
      if (!last || ['offered', 'transferring'].includes(last.state))
        await waitAtMost(timeout, finished, io.interrupted);
      client.flush();
      const state = last?.state ?? 'offered';
      if (state === 'done') return EXIT.OK;
      if (state === 'offered' || state === 'transferring')
        io.err(
          `wirelab: TIMEOUT: not finished within ${timeout} ms; the offer stays and goes on with the next run`,
        );
      else io.err(`wirelab: ${last?.code ?? 'MESSENGER_FILE_CANCELLED'}: ${last?.message ?? state}`);
      return EXIT.FAILED;
    } finally {
      await client.close();
    }
  },
};
