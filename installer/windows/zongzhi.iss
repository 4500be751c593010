; Inno Setup script for Windows 10/11 (compile on Windows after `make bundle` there):
;   iscc installer\windows\zongzhi.iss
; Per-machine install under Program Files; users' databases and backups live in their own
; data folders (%LOCALAPPDATA%\zongzhi) and are never removed by the uninstaller.
;
; Needs Inno Setup 6.3 or later (x64compatible, the Chinese Simplified messages file). Saved as
; UTF-8 with a byte-order mark, which Inno Setup 6 needs to read the Chinese names correctly:
; keep the mark when editing (Notepad: "UTF-8 with BOM").

#if VER < EncodeVer(6, 3, 0)
  #error 需要 Inno Setup 6.3 或更高版本（Inno Setup 6.3 or later is required）
#endif

#define AppName "综治中心工作台"
#define AppVersion "0.1.0"
#define AppExe "zongzhi.exe"
#define BundleDir "..\..\dist\zongzhi"

[Setup]
AppId={{6C1B7E1E-3E5B-4B1F-9E57-2A0C2F6E7A11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=综治中心工作台
DefaultDirName={autopf}\Zongzhi
DefaultGroupName={#AppName}
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=zongzhi-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
UninstallDisplayIcon={app}\{#AppExe}
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "快捷方式："

[Files]
Source: "{#BundleDir}\zongzhi.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\zongzhi-cli.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\卸载{#AppName}"; Filename: "{uninstallexe}"
Name: "{commondesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "启动{#AppName}"; Flags: nowait postinstall skipifsilent
