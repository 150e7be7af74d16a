// Integration tests start servers, restart them and wait for replication: allow minutes, not seconds.
jest.setTimeout(180_000);
