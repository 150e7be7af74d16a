import * as fs from 'fs';

/** The log4j2 configuration every local Kafka node logs with: INFO to stdout (its log file), state changes at WARN. */
export function writeKafkaLog4j(file: string): void {
  fs.writeFileSync(
    file,
    [
      'status=warn',
      'appender.console.type=Console',
      'appender.console.name=STDOUT',
      'appender.console.layout.type=PatternLayout',
      'appender.console.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      'logger.kafka.name=kafka',
      'logger.kafka.level=INFO',
      'logger.state.name=state.change.logger',
      'logger.state.level=WARN',
      '',
    ].join('\n'),
  );
}

/** JVM arguments of a Kafka main class run from the resolved jars. */
export function kafkaJavaArgs(heapMb: number, log4jFile: string, libs: string, mainClass: string, args: string[]): string[] {
  return [
    `-Xmx${heapMb}m`,
    `-Xms${Math.min(256, heapMb)}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
}
