import { logLevel } from 'kafkajs';
import { contextFields, kafkaLogLevel } from './kafkaClient';

describe('kafkajs log levels', () => {
  it('an error answer kafkajs retries by itself is debug; other errors stay errors', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Connection', 'Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition')).toBe('debug');
    expect(
      kafkaLogLevel(logLevel.ERROR, 'Connection', 'Response InitProducerId(key: 22, version: 1)', "The coordinator is loading and hence can't process requests for this group"),
    ).toBe('debug');
    expect(kafkaLogLevel(logLevel.ERROR, 'Connection', 'Response Metadata(key: 3, version: 6)', 'Not authorized to access topics: [Topic authorization failed]')).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, 'Connection', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092', undefined)).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded', 'This server does not host this topic-partition')).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, 'Producer', 'anything', undefined)).toBe('warn');
    expect(kafkaLogLevel(logLevel.ERROR, 'Producer', 'Failed to send messages: This server is not the leader for that topic-partition', undefined)).toBe('debug');
    expect(kafkaLogLevel(logLevel.ERROR, 'Producer', 'Failed to send messages: Not authorized to access topics: [Topic authorization failed]', undefined)).toBe('error');
  });
});

describe('kafkajs log context', () => {
  it('the context a project extension logs becomes the line’s fields, without its level or message', () => {
    expect(contextFields({ group: 'g', partitions: ['t/0'], level: 'debug', message: 'x' })).toEqual({ group: 'g', partitions: ['t/0'] });
    expect(contextFields(undefined)).toEqual({});
    expect(contextFields('text')).toEqual({});
    expect(contextFields(['a'])).toEqual({});
  });
});
