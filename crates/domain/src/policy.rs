//! The documents of the policy set (情報セキュリティ基本方針, 方針 and the 14
//! 規程) by their catalog codes, until the documents module keeps them.

use serde::{Deserialize, Serialize};

macro_rules! documents {
    ($( $v:ident => $code:literal, $ja:literal, $en:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum PolicyDocument { $( #[serde(rename = $code)] $v, )* }
        impl PolicyDocument {
            pub const ALL: &'static [PolicyDocument] = &[ $( PolicyDocument::$v, )* ];
            /// The catalog code (`USE`, `SYS`, …).
            pub fn code(self) -> &'static str { match self { $( PolicyDocument::$v => $code, )* } }
            pub fn name_ja(self) -> &'static str { match self { $( PolicyDocument::$v => $ja, )* } }
            pub fn name_en(self) -> &'static str { match self { $( PolicyDocument::$v => $en, )* } }
        }
    };
}

documents! {
    BasicPolicy => "BP", "情報セキュリティ基本方針", "Basic Information Security Policy";
    Policy => "POL", "情報セキュリティ方針", "Information Security Policy";
    HumanResources => "HR", "人的管理規程", "Human Resource Security Regulation";
    Outsourcing => "OUT", "外部委託先管理規程", "Outsourcing Contractor Management Regulation";
    Documents => "DOC", "文書管理規程", "Document Management Regulation";
    Audit => "AUD", "監査規程", "Audit Regulation";
    Physical => "PHY", "物理的管理規程", "Physical Security Regulation";
    Risk => "RISK", "リスク管理規程", "Risk Management Regulation";
    Incidents => "INC", "セキュリティインシデント報告・対応規程", "Security Incident Reporting and Response Regulation";
    Change => "CHG", "システム変更管理規程", "System Change Management Regulation";
    Development => "DEV", "システム開発規程", "System Development Regulation";
    Systems => "SYS", "システム管理規程", "System Management Regulation";
    Network => "NET", "ネットワーク管理規程", "Network Management Regulation";
    SystemUse => "USE", "システム利用規程", "System Use Regulation";
    SmartDevices => "SMD", "スマートデバイス利用規程", "Smart Device Use Regulation";
    Sns => "SNS", "SNS 利用規程", "SNS Use Regulation";
}

impl PolicyDocument {
    pub fn parse(code: &str) -> Option<PolicyDocument> {
        PolicyDocument::ALL
            .iter()
            .copied()
            .find(|d| d.code().eq_ignore_ascii_case(code.trim()))
    }
    pub fn name(self, lang: crate::org::Lang) -> &'static str {
        match lang {
            crate::org::Lang::Ja => self.name_ja(),
            crate::org::Lang::En => self.name_en(),
        }
    }
}
