// The parts of bigbluebutton-js 0.2.0 (untyped) the end-to-end test uses.
declare module 'bigbluebutton-js' {
  interface Api {
    administration: {
      create(name: string, id: string, params?: Record<string, string>): string
      join(fullName: string, meetingID: string, password: string, params?: Record<string, string>): string
      end(meetingID: string, password: string): string
    }
    monitoring: {
      getMeetings(): string
      getMeetingInfo(meetingID: string): string
      isMeetingRunning(meetingID: string): string
    }
  }
  const bbb: { api(host: string, secret: string): Api; http(url: string): Promise<any> }
  export default bbb
}
